// The PostgreSQL ledger holding P3's fleet: a cluster of the benchmark's own (durable defaults unless told
// otherwise), the 10,000 hosts brought in through the ledger's own resync, then 100,000 VMs loaded in bulk, as the
// rows the ledger itself writes (a released boot row and a committed settle row per settled VM, a reserved boot row per
// booting one, spread round-robin over the hosts of each pool), the hosts' counters set from them in one UPDATE. The
// check that follows (and runs again after the claims) is what makes the bulk load trustworthy: every host's
// counters equal the sum of its live reservations, no host is over capacity, no reservation names a missing host.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startPostgres } from '../../devenv/postgres';
import { connectLedgerDatabase, type LedgerDb } from '../../ledger/database';
import { migrateToLatest } from '../../ledger/migrations';
import type { PostgresLedger } from '../../ledger/postgres-ledger';
import { readPostgresSettings, type PostgresSettings } from '../postgres-settings';
import { round } from '../stats';
import { bootHostsOf, bootingOf, fleetInventory, SHAPES } from './fleet';

export interface LedgerCluster {
  db: LedgerDb;
  settings: PostgresSettings;
  /** the postmaster, parent of every backend */
  serverPid: number;
  /** the filesystem the data dir is on (fsync's cost depends on it), as findmnt names it */
  storage: string;
  close(): Promise<void>;
}

/** A fresh cluster in a temp dir with the ledger's schema; `settings` on top of PostgreSQL's defaults (none: durable). */
export async function startLedgerCluster(settings: Record<string, string>): Promise<LedgerCluster> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-pg-'));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  const server = await startPostgres({ dataDir, settings }).catch((err: unknown) => {
    remove();
    throw err;
  });
  const connection = connectLedgerDatabase(server.url);
  const close = async () => {
    await connection.close();
    await server.stop();
    remove();
  };
  try {
    await migrateToLatest(connection.db);
    const storage = execFileSync('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '--target', dataDir], { encoding: 'utf8' }).trim().replace(/\s+/, ' on ');
    return { db: connection.db, settings: await readPostgresSettings(connection.db), serverPid: server.pid, storage, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface FleetLoad {
  hosts: number;
  bootHosts: number;
  vms: number;
  settled: number;
  booting: number;
  /** seconds: the inventory through ledger.resync, the reservations, the hosts' counters, VACUUM ANALYZE */
  resyncSeconds: number;
  reservationsSeconds: number;
  countersSeconds: number;
  vacuumSeconds: number;
}

const timed = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return round((performance.now() - start) / 1000, 1);
};

export async function loadFleet(ledger: PostgresLedger, db: LedgerDb, fleet: string, hosts: number, vms: number): Promise<FleetLoad> {
  const bootHosts = bootHostsOf(hosts);
  const settleHosts = hosts - bootHosts;
  const booting = bootingOf(vms);
  const settled = vms - booting;
  const vcpus = SHAPES.map((s) => s.vcpus);
  const memory = SHAPES.map((s) => s.memoryMiB);
  const resyncSeconds = await timed(async () => {
    const result = await ledger.resync(fleetInventory(fleet, hosts));
    if (result.status !== 'resynced' || result.added.length !== hosts) throw new Error(`resync of ${hosts} hosts: ${JSON.stringify(result).slice(0, 200)}`);
  });
  // VM i has shape i mod 3 (fleet.ts's shapeOf), boots on boot host i mod B and settles on settle host i mod S.
  const reservationsSeconds = await timed(async () => {
    await sql`
      INSERT INTO reservations (reservation_id, fleet, kind, status, vm_id, workflow_id, host, vcpus, memory_mib, reply, granted_at, released_at)
      SELECT 'b-' || i, ${fleet}, 'boot', CASE WHEN i < ${settled}::int THEN 'released' ELSE 'reserved' END, 'vm-' || i, 'vm-' || i,
             'boot-' || (i % ${bootHosts}::int), (${vcpus}::int[])[i % ${SHAPES.length}::int + 1], (${memory}::int[])[i % ${SHAPES.length}::int + 1],
             jsonb_build_object('status', 'reserved', 'host', 'boot-' || (i % ${bootHosts}::int)), now(), CASE WHEN i < ${settled}::int THEN now() END
      FROM generate_series(0, ${vms - 1}::int) AS i`.execute(db);
    await sql`
      INSERT INTO reservations (reservation_id, fleet, kind, status, vm_id, workflow_id, host, vcpus, memory_mib, reply, granted_at, committed_at)
      SELECT 's-' || i, ${fleet}, 'settle', 'committed', 'vm-' || i, 'vm-' || i,
             'settle-' || (${bootHosts}::int + i % ${settleHosts}::int), (${vcpus}::int[])[i % ${SHAPES.length}::int + 1], (${memory}::int[])[i % ${SHAPES.length}::int + 1],
             jsonb_build_object('status', 'reserved', 'host', 'settle-' || (${bootHosts}::int + i % ${settleHosts}::int)), now(), now()
      FROM generate_series(0, ${settled - 1}::int) AS i`.execute(db);
  });
  const countersSeconds = await timed(() =>
    sql`
      UPDATE hosts h SET vms = u.vms, vcpus = u.vcpus, memory_used_mib = u.memory
      FROM (
        SELECT host, count(*)::int AS vms, sum(vcpus)::int AS vcpus, sum(memory_mib)::int AS memory FROM reservations
        WHERE fleet = ${fleet} AND status IN ('reserved', 'committed', 'leaked') GROUP BY host
      ) u
      WHERE h.fleet = ${fleet} AND h.name = u.host`.execute(db),
  );
  // What autovacuum does for a ledger that has been running: the planner's statistics and the visibility map.
  const vacuumSeconds = await timed(() => sql`VACUUM ANALYZE fleets, hosts, reservations, grant_outbox`.execute(db));
  return { hosts, bootHosts, vms, settled, booting, resyncSeconds, reservationsSeconds, countersSeconds, vacuumSeconds };
}

export interface Consistency {
  hosts: number;
  /** distinct VMs holding a live reservation */
  liveVms: number;
  liveReservations: number;
  /** hosts whose vms / vcpus / memory_used_mib differ from the sums of their live reservations */
  countersOff: number;
  overCapacity: number;
  /** live reservations on a host the fleet does not have */
  orphans: number;
  ok: boolean;
}

export async function checkConsistency(db: LedgerDb, fleet: string): Promise<Consistency> {
  const { rows } = await sql<{ hosts: number; live_vms: number; live_reservations: number; counters_off: number; over_capacity: number; orphans: number }>`
    WITH live AS (
      SELECT vm_id, host, vcpus, memory_mib FROM reservations WHERE fleet = ${fleet} AND status IN ('reserved', 'committed', 'leaked')
    ), usage AS (
      SELECT host, count(*) AS vms, sum(vcpus) AS vcpus, sum(memory_mib) AS memory FROM live GROUP BY host
    )
    SELECT
      (SELECT count(*) FROM hosts WHERE fleet = ${fleet})::int AS hosts,
      (SELECT count(DISTINCT vm_id) FROM reservations WHERE fleet = ${fleet} AND status IN ('queued', 'reserved', 'committed', 'leaked'))::int AS live_vms,
      (SELECT count(*) FROM live)::int AS live_reservations,
      (SELECT count(*) FROM hosts h LEFT JOIN usage u ON u.host = h.name
        WHERE h.fleet = ${fleet} AND (h.vms <> coalesce(u.vms, 0) OR h.vcpus <> coalesce(u.vcpus, 0) OR h.memory_used_mib <> coalesce(u.memory, 0)))::int AS counters_off,
      (SELECT count(*) FROM hosts WHERE fleet = ${fleet} AND ((vm_capacity IS NOT NULL AND vms > vm_capacity)
        OR (vcpu_capacity IS NOT NULL AND vcpus > vcpu_capacity) OR memory_used_mib > memory_mib))::int AS over_capacity,
      (SELECT count(*) FROM live WHERE NOT EXISTS (SELECT 1 FROM hosts h WHERE h.fleet = ${fleet} AND h.name = live.host))::int AS orphans`.execute(db);
  const r = rows[0]!;
  return {
    hosts: r.hosts,
    liveVms: r.live_vms,
    liveReservations: r.live_reservations,
    countersOff: r.counters_off,
    overCapacity: r.over_capacity,
    orphans: r.orphans,
    ok: r.counters_off === 0 && r.over_capacity === 0 && r.orphans === 0,
  };
}

/** Rows of the ledger's tables, to read next to its size. */
export async function rowCounts(db: LedgerDb): Promise<{ hosts: number; reservations: number }> {
  const { rows } = await sql<{ hosts: number; reservations: number }>`
    SELECT (SELECT count(*) FROM hosts)::int AS hosts, (SELECT count(*) FROM reservations)::int AS reservations`.execute(db);
  return rows[0]!;
}

/** Backends connected to the ledger's database: how many connections the pool opened. */
export async function openConnections(db: LedgerDb): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`.execute(db);
  return rows[0]!.n;
}
