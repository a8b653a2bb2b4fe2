// Claims per second on the PostgreSQL ledger at fleet scale: the fleet of fleet.ts loaded (postgres-fleet.ts) and
// checked, then, for each number of concurrent callers, `claims` VMs go through the ledger's VM requests in three
// timed phases: every reserveBoot (the claim: a boot host picked and taken), then every reserveSettle (a settle host
// picked and taken), then every commitMove (the boot slot freed, so each run finds the boot pool as the last left it).
// The VMs stay, settled: the fleet only grows. The ledger is the worker's own (createPostgresLedger, default pool).
// Each phase also says how many cores this process (the callers and the ledger's client side) and PostgreSQL used.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ledgerSize } from '../../ledger/snapshot';
import { createPostgresLedger, type PostgresLedger } from '../../ledger/postgres-ledger';
import type { LedgerDb } from '../../ledger/database';
import { loadAverage, type LoadAverage } from '../machine';
import type { PostgresSettings } from '../postgres-settings';
import { ownCpuSeconds, treeCpuSeconds } from '../proc-cpu';
import { round } from '../stats';
import { expect, runClaims, type ClaimRun } from './claims';
import { CLAIM } from './fleet';
import { checkConsistency, loadFleet, openConnections, rowCounts, startLedgerCluster, type Consistency, type FleetLoad } from './postgres-fleet';

export interface Phase extends ClaimRun {
  /** CPU-seconds per second over the phase: this process's, and PostgreSQL's (all its processes) */
  clientCores: number;
  postgresCores: number;
}

export interface PostgresLevel {
  concurrency: number;
  /** VMs holding a live reservation when the level began */
  liveVms: number;
  loadAtStart: LoadAverage;
  boot: Phase;
  settle: Phase;
  commit: Phase;
}

export interface PostgresLedgerFigures {
  settings: PostgresSettings;
  /** where the data dir was */
  storage: string;
  load: FleetLoad;
  loadSeconds: number;
  checkBefore: Consistency;
  checkAfter: Consistency;
  /** the ledger's tables and indexes (ledgerSize), once loaded and at the end */
  bytesLoaded: number;
  bytesEnd: number;
  rowsLoaded: { hosts: number; reservations: number };
  rowsEnd: { hosts: number; reservations: number };
  /** full cycles (boot, settle, commit) run at 10 callers before the timed ones, untimed */
  warmUpVms: number;
  levels: PostgresLevel[];
  /** backends connected once the runs were over: the pool's connections */
  connections: number;
}

export interface PostgresRunOptions {
  /** PostgreSQL settings over its defaults: {} is durable */
  settings: Record<string, string>;
  hosts: number;
  vms: number;
  claims: number;
  concurrencies: readonly number[];
  warmUpVms: number;
}

async function liveVms(db: LedgerDb, fleet: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(DISTINCT vm_id)::int AS n FROM reservations WHERE fleet = ${fleet} AND status IN ('queued', 'reserved', 'committed', 'leaked')`.execute(db);
  return rows[0]!.n;
}

type Levelled = Pick<PostgresLevel, 'concurrency' | 'boot' | 'settle' | 'commit'>;

/** One VM per request index through the three phases, `concurrency` callers at a time. */
async function cycle(ledger: PostgresLedger, serverPid: number, fleet: string, prefix: string, count: number, concurrency: number): Promise<Levelled> {
  const vmId = (i: number) => `${prefix}-${i}`;
  const phase = async (request: (i: number) => Promise<boolean>): Promise<Phase> => {
    const client = ownCpuSeconds();
    const server = treeCpuSeconds(serverPid);
    const run = await runClaims(count, concurrency, request);
    const cores = (seconds: number) => round(seconds / run.seconds, 2);
    return { ...run, clientCores: cores(ownCpuSeconds() - client), postgresCores: cores(treeCpuSeconds(serverPid) - server) };
  };
  const boot = await phase(async (i) => expect(await ledger.reserveBoot(fleet, { reservationId: `${vmId(i)}:boot`, vmId: vmId(i), workflowId: vmId(i), ...CLAIM }), 'reserved'));
  const settle = await phase(async (i) => expect(await ledger.reserveSettle(fleet, { reservationId: `${vmId(i)}:settle`, vmId: vmId(i) }), 'reserved'));
  const commit = await phase(async (i) => expect(await ledger.commitMove(fleet, { vmId: vmId(i), reservationId: `${vmId(i)}:settle` }), 'committed'));
  return { concurrency, boot, settle, commit };
}

export async function measurePostgresLedger(opts: PostgresRunOptions): Promise<PostgresLedgerFigures> {
  const cluster = await startLedgerCluster(opts.settings);
  try {
    const { db } = cluster;
    const fleet = `p3-${randomUUID().slice(0, 8)}`;
    const ledger = createPostgresLedger({
      db,
      loadInventory: async () => {
        throw new Error('the fleet is loaded before any request');
      },
      // Every claim fits, so nobody queues and no grant is ever made.
      grants: {
        deliver: async () => {
          throw new Error('unexpected grant: a claim was queued');
        },
      },
    });
    const started = performance.now();
    const load = await loadFleet(ledger, db, fleet, opts.hosts, opts.vms);
    const loadSeconds = round((performance.now() - started) / 1000, 1);
    const checkBefore = await checkConsistency(db, fleet);
    if (!checkBefore.ok || checkBefore.liveVms !== opts.vms) throw new Error(`the loaded ledger is inconsistent: ${JSON.stringify(checkBefore)}`);
    const bytesLoaded = await ledgerSize(db);
    const rowsLoaded = await rowCounts(db);

    const warmUp = await cycle(ledger, cluster.serverPid, fleet, 'warm-up', opts.warmUpVms, 10);
    if (warmUp.commit.failed > 0) throw new Error(`warm-up failed: ${warmUp.commit.failures.join('; ')}`);
    const levels: PostgresLevel[] = [];
    for (const concurrency of opts.concurrencies) {
      const live = await liveVms(db, fleet);
      const loadAtStart = loadAverage();
      levels.push({ liveVms: live, loadAtStart, ...(await cycle(ledger, cluster.serverPid, fleet, `c${concurrency}`, opts.claims, concurrency)) });
    }
    const connections = await openConnections(db);
    const checkAfter = await checkConsistency(db, fleet);
    return {
      settings: cluster.settings,
      storage: cluster.storage,
      load,
      loadSeconds,
      checkBefore,
      checkAfter,
      bytesLoaded,
      bytesEnd: await ledgerSize(db),
      rowsLoaded,
      rowsEnd: await rowCounts(db),
      warmUpVms: opts.warmUpVms,
      levels,
      connections,
    };
  } finally {
    await cluster.close();
  }
}
