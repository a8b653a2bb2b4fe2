// The capacity policy in one place: what a host may hold (undersubscribed on boot hosts, cpuAllocationRatio on
// settle hosts, memory never overcommitted) and the counters that placement reads instead of reservations.
import { DEFAULT_CPU_ALLOCATION_RATIO } from './inventory-fields';
import type { FleetPolicy } from './inventory';
import type { HostRecord, HostUsage } from './ledger-types';
import { getOwn } from './records';

export interface PlacementRequest {
  vcpus: number;
  memoryMiB: number;
  antiAffinityGroup?: string;
}

export function emptyUsage(): HostUsage {
  return { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} };
}

/** vCPUs the host may hold; null when only the VM count limits it (boot host, bootVcpusWithinCpus off). */
export function vcpuCapacity(host: HostRecord, policy: FleetPolicy): number | null {
  if (host.pool === 'settle') {
    // The epsilon keeps e.g. 1.15 x 20 = 22.999999999999996 from losing a whole vCPU.
    return Math.floor((host.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO) * host.cpus + 1e-9);
  }
  return policy.bootVcpusWithinCpus ? host.cpus : null;
}

/** The undersubscribed rule: no more VMs than physical CPUs. Settle hosts have no VM-count limit. */
export function vmCapacity(host: HostRecord): number | null {
  return host.pool === 'boot' ? host.cpus : null;
}

export function withinPolicy(host: HostRecord, policy: FleetPolicy, usage: HostUsage = host.usage): boolean {
  const vcpus = vcpuCapacity(host, policy);
  const vms = vmCapacity(host);
  return (
    (vcpus === null || usage.vcpus <= vcpus) && (vms === null || usage.vms <= vms) && usage.memoryMiB <= host.memoryMiB
  );
}

function groupFree(usage: HostUsage, group: string | undefined): boolean {
  return group === undefined || !Object.hasOwn(usage.groups, group);
}

/** The undersubscribed policy, written out flat because placement calls it for every host. */
export function fitsBoot(host: HostRecord, policy: FleetPolicy, request: PlacementRequest): boolean {
  const { usage } = host;
  return (
    host.state === 'active' &&
    usage.vms < host.cpus &&
    usage.memoryMiB + request.memoryMiB <= host.memoryMiB &&
    (!policy.bootVcpusWithinCpus || usage.vcpus + request.vcpus <= host.cpus) &&
    groupFree(usage, request.antiAffinityGroup)
  );
}

export function fitsSettle(host: HostRecord, policy: FleetPolicy, request: PlacementRequest): boolean {
  const { usage } = host;
  return (
    host.state === 'active' &&
    usage.memoryMiB + request.memoryMiB <= host.memoryMiB &&
    usage.vcpus + request.vcpus <= (vcpuCapacity(host, policy) as number) &&
    groupFree(usage, request.antiAffinityGroup)
  );
}

export function fits(host: HostRecord, policy: FleetPolicy, request: PlacementRequest): boolean {
  return host.pool === 'boot' ? fitsBoot(host, policy, request) : fitsSettle(host, policy, request);
}

export function addUsage(usage: HostUsage, request: PlacementRequest): void {
  usage.vms += 1;
  usage.vcpus += request.vcpus;
  usage.memoryMiB += request.memoryMiB;
  const group = request.antiAffinityGroup;
  if (group !== undefined) usage.groups[group] = (getOwn(usage.groups, group) ?? 0) + 1;
}

export function removeUsage(usage: HostUsage, request: PlacementRequest): void {
  usage.vms -= 1;
  usage.vcpus -= request.vcpus;
  usage.memoryMiB -= request.memoryMiB;
  const group = request.antiAffinityGroup;
  if (group === undefined) return;
  const left = (getOwn(usage.groups, group) ?? 0) - 1;
  if (left > 0) usage.groups[group] = left;
  else delete usage.groups[group];
}
