// Fleets, ledgers and checks shared by the PostgreSQL ledger's tests: a ledger over a real cluster whose grants are
// recorded instead of signalled, and the invariants every state of the ledger must satisfy, read back with SQL.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { fits, parseInventory, vcpuCapacity, vmCapacity, type Inventory } from '../../domain';
import type { LedgerDb } from '../../ledger/database';
import type { HostSpec } from '../unit/domain/fixtures';
import type { GrantPort } from '../../ledger/grants';
import { hostRecordOf } from '../../ledger/hosts';
import { createPostgresLedger, type PostgresLedger } from '../../ledger/postgres-ledger';

export type { HostSpec } from '../unit/domain/fixtures';

export function inventoryOf(hosts: HostSpec[], opts: { fleet?: string; bootVcpusWithinCpus?: boolean } = {}): Inventory {
  const fleet = opts.fleet ?? `f-${randomUUID().slice(0, 8)}`;
  return parseInventory({
    fleet,
    policy: { bootVcpusWithinCpus: opts.bootVcpusWithinCpus ?? true },
    hosts: hosts.map((h) => ({
      name: h.name,
      pool: h.pool,
      cpus: h.cpus,
      memoryMiB: h.memoryMiB ?? 65536,
      uri: `test:///ledger/${fleet}/${h.name}`,
      ...(h.pool === 'settle' && h.cpuAllocationRatio !== undefined && { cpuAllocationRatio: h.cpuAllocationRatio }),
    })),
  });
}

/** Grants as the ledger hands them out, in order; workflows named in `gone` are treated as no longer running. */
export class RecordedGrants implements GrantPort {
  readonly delivered: Array<{ workflowId: string; reservationId: string; host: string }> = [];
  readonly gone = new Set<string>();
  /** Workflows whose next grant is lost (the delivery fails once). */
  readonly failOnce = new Set<string>();

  async deliver(workflowId: string, grant: { reservationId: string; host: string }): Promise<'delivered' | 'gone'> {
    if (this.failOnce.delete(workflowId)) throw new Error('signal lost (test)');
    if (this.gone.has(workflowId)) return 'gone';
    this.delivered.push({ workflowId, ...grant });
    return 'delivered';
  }
}

export function ledgerOver(db: LedgerDb, inventories: Inventory[], opts: { candidates?: number } = {}): { ledger: PostgresLedger; grants: RecordedGrants } {
  const grants = new RecordedGrants();
  const ledger = createPostgresLedger({
    db,
    grants,
    loadInventory: async (fleet) => {
      const inventory = inventories.find((i) => i.fleet === fleet);
      if (!inventory) throw new Error(`no inventory for fleet ${fleet}`);
      return inventory;
    },
    ...(opts.candidates && { candidates: opts.candidates }),
  });
  return { ledger, grants };
}

/**
 * Every invariant of a fleet's ledger, checked against the rows themselves: each host's counters equal the sum of
 * its live reservations, no host holds more than its policy allows, a VM holds at most one live boot and one live
 * settle slot, and the queue's order is its sequence. Returns the violations (empty when all hold).
 */
export async function violations(db: LedgerDb, inventory: Inventory): Promise<string[]> {
  const found: string[] = [];
  const hosts = await db.selectFrom('hosts').selectAll().where('fleet', '=', inventory.fleet).execute();
  const { rows: sums } = await sql<{ host: string; vms: string; vcpus: string; memory: string }>`
    SELECT host, count(*)::text AS vms, sum(vcpus)::text AS vcpus, sum(memory_mib)::text AS memory
    FROM reservations WHERE fleet = ${inventory.fleet} AND status IN ('reserved', 'committed', 'leaked') GROUP BY host`.execute(db);
  const byHost = new Map(sums.map((s) => [s.host, s]));
  for (const row of hosts) {
    const sum = byHost.get(row.name);
    const expected = { vms: Number(sum?.vms ?? 0), vcpus: Number(sum?.vcpus ?? 0), memory: Number(sum?.memory ?? 0) };
    if (row.vms !== expected.vms || row.vcpus !== expected.vcpus || row.memory_used_mib !== expected.memory) {
      found.push(`${row.name}: counters ${row.vms}/${row.vcpus}/${row.memory_used_mib}, reservations ${expected.vms}/${expected.vcpus}/${expected.memory}`);
    }
    const record = hostRecordOf(row);
    const vcpus = vcpuCapacity(record, inventory.policy);
    const vms = vmCapacity(record);
    if (vcpus !== null && row.vcpus > vcpus) found.push(`${row.name}: ${row.vcpus} vCPUs over its capacity ${vcpus}`);
    if (vms !== null && row.vms > vms) found.push(`${row.name}: ${row.vms} VMs over its capacity ${vms}`);
    if (row.memory_used_mib > row.memory_mib) found.push(`${row.name}: ${row.memory_used_mib} MiB over ${row.memory_mib}`);
  }
  const { rows: doubles } = await sql<{ vm_id: string; kind: string; n: string }>`
    SELECT vm_id, kind, count(*)::text AS n FROM reservations
    WHERE fleet = ${inventory.fleet} AND status IN ('queued', 'reserved', 'committed') GROUP BY vm_id, kind HAVING count(*) > 1`.execute(db);
  for (const d of doubles) found.push(`${d.vm_id} holds ${d.n} live ${d.kind} reservations`);
  // Strict FIFO leaves no room idle while someone waits: the queue's head fits on no boot host.
  const head = await db.selectFrom('reservations').selectAll().where('fleet', '=', inventory.fleet).where('status', '=', 'queued').orderBy('queue_seq').limit(1).executeTakeFirst();
  if (head) {
    const request = { vcpus: head.vcpus!, memoryMiB: head.memory_mib!, ...(head.anti_affinity_group && { antiAffinityGroup: head.anti_affinity_group }) };
    const fitting = hosts.filter((h) => h.pool === 'boot' && fits(hostRecordOf(h), inventory.policy, request)).map((h) => h.name);
    if (fitting.length > 0) found.push(`${head.vm_id} waits at the head of the queue while ${fitting.join(', ')} could take it`);
  }
  return found;
}
