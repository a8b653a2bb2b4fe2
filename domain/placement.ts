// Where a VM goes. Boot: spread over undersubscribed hosts so boots do not compete for CPUs. Settle: best fit on
// oversubscribed hosts so they fill densely. One allocation-free pass over an array of per-host counters (never
// over reservations), which keeps a decision under a millisecond at 10,000 hosts.
import type { FleetPolicy } from './inventory';
import type { HostRecord } from './ledger-types';
import { fitsBoot, fitsSettle, vcpuCapacity, type PlacementRequest } from './usage';

export type { PlacementRequest } from './usage';

export interface SettleRequest extends PlacementRequest {
  /** hosts where a migration of this VM already failed */
  exclude?: readonly string[];
}

/** Most free CPUs (cpus - vCPUs used) first, then most free memory, then name ascending. */
export function pickBootHost(
  hosts: readonly HostRecord[],
  policy: FleetPolicy,
  request: PlacementRequest,
): string | undefined {
  let best: HostRecord | undefined;
  let bestCpus = 0;
  let bestMemory = 0;
  for (let i = 0; i < hosts.length; i += 1) {
    const host = hosts[i] as HostRecord;
    if (host.pool !== 'boot' || !fitsBoot(host, policy, request)) continue;
    const cpus = host.cpus - host.usage.vcpus;
    const memory = host.memoryMiB - host.usage.memoryMiB;
    if (
      best === undefined ||
      cpus > bestCpus ||
      (cpus === bestCpus && (memory > bestMemory || (memory === bestMemory && host.name < best.name)))
    ) {
      best = host;
      bestCpus = cpus;
      bestMemory = memory;
    }
  }
  return best?.name;
}

/** Least vCPU headroom left after placement first, then least free memory left, then name ascending. */
export function pickSettleHost(
  hosts: readonly HostRecord[],
  policy: FleetPolicy,
  request: SettleRequest,
): string | undefined {
  const exclude = request.exclude ?? [];
  let best: HostRecord | undefined;
  let bestHeadroom = 0;
  let bestMemory = 0;
  for (let i = 0; i < hosts.length; i += 1) {
    const host = hosts[i] as HostRecord;
    if (host.pool !== 'settle' || !fitsSettle(host, policy, request) || exclude.includes(host.name)) continue;
    const headroom = (vcpuCapacity(host, policy) ?? 0) - host.usage.vcpus - request.vcpus;
    const memory = host.memoryMiB - host.usage.memoryMiB - request.memoryMiB;
    if (
      best === undefined ||
      headroom < bestHeadroom ||
      (headroom === bestHeadroom && (memory < bestMemory || (memory === bestMemory && host.name < best.name)))
    ) {
      best = host;
      bestHeadroom = headroom;
      bestMemory = memory;
    }
  }
  return best?.name;
}
