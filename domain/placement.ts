// Where a VM goes. Boot: spread over undersubscribed hosts so boots do not compete for CPUs. Settle: best fit on
// oversubscribed hosts so they fill densely. One linear pass over per-host counters, no reservation scans,
// which keeps a decision well under a millisecond at 10,000 hosts.
import type { FleetPolicy } from './inventory';
import type { HostRecord } from './ledger-types';
import { fits, vcpuCapacity, type PlacementRequest } from './usage';

export type { PlacementRequest } from './usage';

export interface SettleRequest extends PlacementRequest {
  /** hosts where a migration of this VM already failed */
  exclude?: readonly string[];
}

/** Compared ascending, key by key, then by host name ascending, so every decision is deterministic. */
type Rank = [number, number];

function pick(
  hosts: Iterable<HostRecord>,
  accept: (host: HostRecord) => boolean,
  rank: (host: HostRecord) => Rank,
): string | undefined {
  let best: HostRecord | undefined;
  let bestRank: Rank = [0, 0];
  for (const host of hosts) {
    if (!accept(host)) continue;
    const r = rank(host);
    const better =
      best === undefined ||
      r[0] < bestRank[0] ||
      (r[0] === bestRank[0] && (r[1] < bestRank[1] || (r[1] === bestRank[1] && host.name < best.name)));
    if (better) {
      best = host;
      bestRank = r;
    }
  }
  return best?.name;
}

export function pickBootHost(
  hosts: Iterable<HostRecord>,
  policy: FleetPolicy,
  request: PlacementRequest,
): string | undefined {
  return pick(
    hosts,
    (host) => host.pool === 'boot' && fits(host, policy, request),
    (host) => [-(host.cpus - host.usage.vcpus), -(host.memoryMiB - host.usage.memoryMiB)],
  );
}

export function pickSettleHost(
  hosts: Iterable<HostRecord>,
  policy: FleetPolicy,
  request: SettleRequest,
): string | undefined {
  const exclude = request.exclude ?? [];
  return pick(
    hosts,
    (host) => host.pool === 'settle' && fits(host, policy, request) && !exclude.includes(host.name),
    (host) => [
      (vcpuCapacity(host, policy) ?? 0) - host.usage.vcpus - request.vcpus,
      host.memoryMiB - host.usage.memoryMiB - request.memoryMiB,
    ],
  );
}
