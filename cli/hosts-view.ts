// `bootshift hosts`: the fleet ledger's own snapshot, per host and for the boot queue, so what an operator reads is
// exactly what placement decides on (nothing is recomputed here but the capacity column).
import type { HostSnapshot, LedgerSnapshot } from '../domain';
import { renderTable } from './output';

/** used/capacity; a host whose policy sets no vCPU limit shows its used count against "-". */
export function vcpuColumn(h: HostSnapshot): string {
  return `${h.vcpusUsed}/${h.freeVcpus === null ? '-' : h.vcpusUsed + h.freeVcpus}`;
}

export function renderHosts(s: LedgerSnapshot): string {
  const heading = `fleet ${s.fleet}: ${s.counts.hosts} hosts, ${s.counts.vms} VMs, ${s.counts.queued} queued for a boot host`;
  const hosts = renderTable(
    ['HOST', 'POOL', 'STATE', 'VMS', 'VCPUS', 'FREE MEMORY', 'VM IDS'],
    s.hosts.map((h) => [h.name, h.pool, h.state, h.vms.length, vcpuColumn(h), `${h.freeMemoryMiB} MiB`, h.vms.join(', ') || '-']),
  );
  const queue =
    s.queue.length === 0
      ? 'boot queue: empty'
      : `boot queue:\n${renderTable(
          ['POS', 'VM', 'VCPUS', 'MEMORY', 'RESERVATION'],
          s.queue.map((q) => [q.position, q.vmId, q.vcpus, `${q.memoryMiB} MiB`, q.reservationId]),
        )}`;
  return `${heading}\n\n${hosts}\n\n${queue}`;
}
