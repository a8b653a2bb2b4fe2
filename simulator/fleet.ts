// The hosts and VMs as the simulator sees them: the domain's HostRecord (what placement reads) plus what processor
// sharing needs, i.e. the VMs in the CPU-bound part of their boot and the steady threads of everything else.
import type { HostRecord } from '../domain';
import type { SimParams } from './params';
import { poolOf, type PolicyName } from './policies';
import type { ThreadGroup } from './sharing';
import type { SimVm, Tenant } from './workload';

export type Phase = 'queued' | 'cpu' | 'wait' | 'migrating' | 'settled' | 'stranded';

export interface VmRun {
  vm: SimVm;
  phase: Phase;
  /** where it runs; during a migration, the source */
  host?: SimHost;
  target?: SimHost;
  /** CPU-seconds of boot work left, and the CPU-seconds per second it currently gets */
  remaining: number;
  rate: number;
  bootStart?: number;
  bootDone?: number;
  settled?: number;
}

export interface SimHost {
  record: HostRecord;
  booting: Set<VmRun>;
  busyThreads: number;
  idleThreads: number;
  /** time up to which the `remaining` of its booting VMs is current */
  lastAdvance: number;
  /** bumped at every reschedule, so a completion event computed from older rates is ignored */
  version: number;
}

type Sized = Pick<SimVm, 'vcpus' | 'memoryMiB' | 'busy'>;

export function makeHosts(params: SimParams, policy: PolicyName, tenants: readonly Tenant[]): SimHost[] {
  const hosts = Array.from({ length: params.hosts }, (_, i): SimHost => {
    const pool = poolOf(policy, i, params);
    const record: HostRecord = {
      name: `h${String(i).padStart(5, '0')}`,
      uri: 'test:///default',
      cpus: params.cpusPerHost,
      memoryMiB: params.memoryMiBPerHost,
      pool,
      ...(pool === 'settle' && { cpuAllocationRatio: params.cpuAllocationRatio }),
      state: 'active',
      labels: {},
      domainType: 'qemu',
      storage: 'local',
      usage: { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} },
    };
    return { record, booting: new Set(), busyThreads: 0, idleThreads: 0, lastAdvance: 0, version: 0 };
  });
  for (const tenant of tenants) {
    const host = hosts[tenant.host];
    if (host === undefined) throw new Error(`tenant on unknown host ${tenant.host}`);
    reserve(host, tenant, 1);
    addSteady(host, tenant, 1);
  }
  return hosts;
}

/** Counts a VM in (sign 1) or out (sign -1) of the host's usage, which placement reads. */
export function reserve(host: SimHost, vm: Sized, sign: 1 | -1): void {
  const usage = host.record.usage;
  usage.vms += sign;
  usage.vcpus += sign * vm.vcpus;
  usage.memoryMiB += sign * vm.memoryMiB;
}

/** Adds (1) or removes (-1) the steady-state threads of a VM that has finished booting. */
export function addSteady(host: SimHost, vm: Sized, sign: 1 | -1): void {
  if (vm.busy) host.busyThreads += sign * vm.vcpus;
  else host.idleThreads += sign * vm.vcpus;
}

export function threadGroups(host: SimHost, steadyLoadPerVcpu: number): ThreadGroup[] {
  let bootThreads = 0;
  for (const run of host.booting) bootThreads += run.vm.vcpus;
  return [
    { count: bootThreads + host.busyThreads, demand: 1 },
    { count: host.idleThreads, demand: steadyLoadPerVcpu },
  ];
}
