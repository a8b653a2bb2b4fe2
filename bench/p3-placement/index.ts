// P3, the ledger at fleet scale. One fleet of 10,000 hosts holding 100,000 VMs (fleet.ts):
// - the pure placement decisions, pickBootHost / pickSettleHost, timed at that size (goal p99 <= 1 ms);
// - the PostgreSQL ledger holding it: claims per second with 1, 10 and 50 concurrent callers (goal >= 1,000/s), their
//   latency, and the database's size; with PostgreSQL's durable defaults (the headline), then again with fsync off;
// - the ledger it replaces, the fleetLedger workflow, at the largest fleet its state can hold, with the same callers.
// Run alone: npx ts-node --transpile-only bench/p3-placement/index.ts [--claims 2000] [--workflow-claims 500]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchMain, intArg } from '../bench-main';
import { bundle, startBenchTemporal } from '../temporal-env';
import { measurePlacement, type PlacementTiming } from './placement-timing';
import { measurePostgresLedger, type PostgresLedgerFigures } from './postgres-claims';
import { measureWorkflowLedger, type WorkflowLedgerFigures } from './workflow-ledger-claims';

export const CLAIM_GOAL_PER_SECOND = 1000;

const FLEET = { hosts: 10_000, vms: 100_000 };
const CONCURRENCIES = [1, 10, 50];

/** Over PostgreSQL's defaults: none (durable), and the test clusters' (test/helpers/postgres.ts). */
const PROFILES = { durable: {}, fsyncOff: { fsync: 'off', full_page_writes: 'off' } };

export interface P3Result {
  placement: PlacementTiming;
  postgres: { durable: PostgresLedgerFigures; fsyncOff: PostgresLedgerFigures };
  workflowLedger: WorkflowLedgerFigures;
  claimGoalPerSecond: number;
  /** the best reserveBoot rate on the durable cluster */
  claimBestPerSecond: number;
  /** the best rate reached the goal, and the ledger was still consistent after the claims */
  claimMet: boolean;
}

async function run(args: string[]): Promise<P3Result> {
  const claims = intArg(args, '--claims', 2000);
  const workflowClaims = intArg(args, '--workflow-claims', 500);
  const placement = measurePlacement(FLEET.hosts, FLEET.vms);
  const options = { ...FLEET, claims, concurrencies: CONCURRENCIES, warmUpVms: 200 };
  const durable = await measurePostgresLedger({ ...options, settings: PROFILES.durable });
  const fsyncOff = await measurePostgresLedger({ ...options, settings: PROFILES.fsyncOff });

  const logDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p3-'));
  const t = await startBenchTemporal(path.join(logDir, 'temporal.log'));
  try {
    const workflowBundle = await bundle(require.resolve('./workflow-ledger'));
    const workflowLedger = await measureWorkflowLedger(t, workflowBundle, { fullHosts: FLEET.hosts, claims: workflowClaims, concurrencies: CONCURRENCIES });
    const best = Math.max(...durable.levels.map((l) => l.boot.perSecond));
    return {
      placement,
      postgres: { durable, fsyncOff },
      workflowLedger,
      claimGoalPerSecond: CLAIM_GOAL_PER_SECOND,
      claimBestPerSecond: best,
      claimMet: best >= CLAIM_GOAL_PER_SECOND && durable.checkAfter.ok,
    };
  } finally {
    await t.close();
    rmSync(logDir, { recursive: true, force: true });
  }
}

benchMain('p3-placement', run);
