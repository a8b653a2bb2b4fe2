// The ledger as an operator reads it (`bootshift hosts`, the invariant checker): each host with its usage and
// headroom, the boot queue in order, capacity held for leaked domains, and totals. Read in one REPEATABLE READ
// transaction so the parts agree with each other.
import { sql } from 'kysely';
import type { HostSnapshot, LedgerSnapshot } from '../domain';
import type { LedgerDb } from './database';

export async function snapshotOf(db: LedgerDb, fleet: string): Promise<LedgerSnapshot> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const { policy } = await tx.selectFrom('fleets').select('policy').where('fleet', '=', fleet).executeTakeFirstOrThrow();
      const hosts = await tx.selectFrom('hosts').selectAll().where('fleet', '=', fleet).orderBy('name').execute();
      const live = await tx
        .selectFrom('reservations')
        .select(['reservation_id', 'kind', 'status', 'vm_id', 'host', 'vcpus', 'memory_mib', 'reason', 'leaked_at', 'queue_seq'])
        .where('fleet', '=', fleet)
        .where('status', 'in', ['queued', 'reserved', 'committed', 'leaked'])
        .orderBy('queue_seq')
        .orderBy('reservation_id')
        .execute();
      const vmsByHost = new Map<string, Set<string>>();
      const counts = { hosts: hosts.length, vms: 0, bootReserved: 0, settleReserved: 0, committed: 0, queued: 0, leaked: 0 };
      const vms = new Set<string>();
      for (const r of live) {
        if (r.status === 'queued') counts.queued += 1;
        else if (r.status === 'committed') counts.committed += 1;
        else if (r.status === 'leaked') counts.leaked += 1;
        else if (r.kind === 'boot') counts.bootReserved += 1;
        else counts.settleReserved += 1;
        if (r.status !== 'leaked') vms.add(r.vm_id!);
        if (r.host !== null) {
          const on = vmsByHost.get(r.host) ?? new Set<string>();
          on.add(r.vm_id!);
          vmsByHost.set(r.host, on);
        }
      }
      counts.vms = vms.size;
      return {
        fleet,
        policy,
        hosts: hosts.map(
          (h): HostSnapshot => ({
            name: h.name,
            pool: h.pool,
            state: h.state,
            cpus: h.cpus,
            memoryMiB: h.memory_mib,
            cpuAllocationRatio: h.config.cpuAllocationRatio ?? null,
            vms: [...(vmsByHost.get(h.name) ?? [])].sort(),
            vcpusUsed: h.vcpus,
            memoryUsedMiB: h.memory_used_mib,
            freeVcpus: h.vcpu_capacity === null ? null : h.vcpu_capacity - h.vcpus,
            freeVmSlots: h.vm_capacity === null ? null : h.vm_capacity - h.vms,
            freeMemoryMiB: h.memory_mib - h.memory_used_mib,
          }),
        ),
        queue: live
          .filter((r) => r.status === 'queued')
          .map((r, i) => ({ position: i + 1, reservationId: r.reservation_id, vmId: r.vm_id!, vcpus: r.vcpus!, memoryMiB: r.memory_mib! })),
        leaked: live
          .filter((r) => r.status === 'leaked')
          .map((r) => ({
            reservationId: r.reservation_id,
            vmId: r.vm_id!,
            host: r.host!,
            vcpus: r.vcpus!,
            memoryMiB: r.memory_mib!,
            reason: r.reason ?? '',
            since: (r.leaked_at ?? new Date(0)).toISOString(),
          })),
        counts,
      };
    });
}

/** Bytes the ledger's tables and indexes take (bench P3 reports it). */
export async function ledgerSize(db: LedgerDb): Promise<number> {
  const { rows } = await sql<{ bytes: string }>`
    SELECT sum(pg_total_relation_size(c.oid))::text AS bytes FROM pg_class c
    WHERE c.relname IN ('fleets', 'hosts', 'reservations', 'grant_outbox') AND c.relkind = 'r'`.execute(db);
  return Number(rows[0]?.bytes ?? 0);
}
