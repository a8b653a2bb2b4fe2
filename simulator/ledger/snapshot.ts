// The in-memory ledger's snapshot, in the shape the PostgreSQL ledger reports (domain/ledger/snapshot.ts).
import { vcpuCapacity, vmCapacity, type HostSnapshot, type LedgerSnapshot, type QueuedBoot } from '../../domain';
import type { LedgerState } from './state';

export function snapshot(state: LedgerState): LedgerSnapshot {
  const vmsByHost: Record<string, string[]> = {};
  const counts = { hosts: 0, vms: Object.keys(state.vms).length, bootReserved: 0, settleReserved: 0, committed: 0, queued: 0, leaked: 0 };
  for (const r of Object.values(state.reservations)) {
    if (r.status === 'queued') counts.queued += 1;
    else if (r.status === 'committed') counts.committed += 1;
    else if (r.kind === 'boot') counts.bootReserved += 1;
    else counts.settleReserved += 1;
    if (r.host !== null) (vmsByHost[r.host] ??= []).push(r.vmId);
  }
  const hosts = state.hosts
    .map((h): HostSnapshot => {
      const vcpus = vcpuCapacity(h, state.policy);
      const vms = vmCapacity(h);
      return {
        name: h.name,
        pool: h.pool,
        state: h.state,
        cpus: h.cpus,
        memoryMiB: h.memoryMiB,
        cpuAllocationRatio: h.cpuAllocationRatio ?? null,
        vms: [...new Set(vmsByHost[h.name] ?? [])].sort(),
        vcpusUsed: h.usage.vcpus,
        memoryUsedMiB: h.usage.memoryMiB,
        freeVcpus: vcpus === null ? null : vcpus - h.usage.vcpus,
        freeVmSlots: vms === null ? null : vms - h.usage.vms,
        freeMemoryMiB: h.memoryMiB - h.usage.memoryMiB,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  counts.hosts = hosts.length;
  const queue = state.queue.map((id, i): QueuedBoot => {
    const r = state.reservations[id];
    return { position: i + 1, reservationId: id, vmId: r?.vmId ?? '', vcpus: r?.vcpus ?? 0, memoryMiB: r?.memoryMiB ?? 0 };
  });
  return { fleet: state.fleet, policy: { ...state.policy }, hosts, queue, leaked: [], counts };
}
