// Bringing a fleet's hosts in line with its inventory, inside the caller's transaction (under the fleet's exclusive
// lock): new hosts are added, changed ones updated (their usage kept), and a host gone from the inventory is deleted
// if it holds nothing, or kept as `down` (never placed on, still counted) until its reservations are released.
import type { HostConfig, Inventory, ResyncResult } from '../domain';
import type { LedgerTx } from './database';
import { capacitiesOf } from './hosts';

/** Rows per INSERT when a large fleet is loaded (keeps each statement well under PostgreSQL's parameter limit). */
const BATCH = 500;

function hostColumns(fleet: string, host: HostConfig, policy: Inventory['policy']) {
  return {
    fleet,
    name: host.name,
    pool: host.pool,
    state: host.state,
    cpus: host.cpus,
    memory_mib: host.memoryMiB,
    ...capacitiesOf(host, policy),
    config: JSON.stringify(host),
  };
}

/** JSON with keys sorted: jsonb stores objects with its own key order, so stored and given configs compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

export async function resyncFleet(tx: LedgerTx, inventory: Inventory): Promise<ResyncResult> {
  const { fleet, policy } = inventory;
  await tx
    .insertInto('fleets')
    .values({ fleet, policy: JSON.stringify(policy), resynced_at: new Date() })
    .onConflict((oc) => oc.column('fleet').doUpdateSet({ policy: JSON.stringify(policy), resynced_at: new Date() }))
    .execute();
  const known = new Map(
    (await tx.selectFrom('hosts').selectAll().where('fleet', '=', fleet).forUpdate().execute()).map((row) => [row.name, row]),
  );
  const result = { status: 'resynced' as const, added: [] as string[], updated: [] as string[], removed: [] as string[], markedDown: [] as string[] };
  const added: ReturnType<typeof hostColumns>[] = [];
  for (const host of inventory.hosts) {
    const next = hostColumns(fleet, host, policy);
    const row = known.get(host.name);
    if (!row) {
      added.push(next);
      result.added.push(host.name);
      continue;
    }
    const changed = canonical(row.config) !== canonical(host) || row.state !== host.state;
    if (!changed && row.vm_capacity === next.vm_capacity && row.vcpu_capacity === next.vcpu_capacity) continue;
    // A changed policy alone (new capacities) is applied but does not count as a changed host.
    if (changed) result.updated.push(host.name);
    const { fleet: _f, name: _n, ...changes } = next;
    await tx.updateTable('hosts').set(changes).where('fleet', '=', fleet).where('name', '=', host.name).execute();
  }
  for (let i = 0; i < added.length; i += BATCH) await tx.insertInto('hosts').values(added.slice(i, i + BATCH)).execute();
  const listed = new Set(inventory.hosts.map((host) => host.name));
  for (const row of known.values()) {
    if (listed.has(row.name)) continue;
    if (row.vms === 0) {
      await tx.deleteFrom('hosts').where('fleet', '=', fleet).where('name', '=', row.name).execute();
      result.removed.push(row.name);
    } else if (row.state !== 'down') {
      await tx.updateTable('hosts').set({ state: 'down' }).where('fleet', '=', fleet).where('name', '=', row.name).execute();
      result.markedDown.push(row.name);
    }
  }
  return result;
}
