// P3, placement at fleet scale: decision time of pickBootHost / pickSettleHost at 10,000 hosts / 100,000 VMs
// (goal p99 <= 1 ms), and reservations per second through the ledger workflow on a dev server (goal >= 200/s), at
// one caller, at the server's in-flight update limit (10) and well above it; and once above it without the
// adapter's in-flight cap, to show the cliff the cap avoids.
// Run alone: npx ts-node --transpile-only bench/p3-placement/index.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchMain } from '../bench-main';
import { bundle, startBenchTemporal } from '../temporal-env';
import { measureLedgerThroughput, type LedgerThroughput } from './ledger-throughput';
import { measurePlacement, type PlacementTiming } from './placement-timing';

export const LEDGER_GOAL_PER_SECOND = 200;

export interface P3Result {
  placement: PlacementTiming;
  ledger: LedgerThroughput[];
  ledgerGoalPerSecond: number;
  ledgerBestPerSecond: number;
  ledgerMet: boolean;
}

/** [requests, concurrent callers, without the adapter's cap]: the uncapped run is slow, so it gets few requests. */
const LEDGER_RUNS: [number, number, boolean][] = [
  [200, 1, false],
  [1000, 10, false],
  [1000, 50, false],
  [200, 20, true],
];

async function run(): Promise<P3Result> {
  const placement = measurePlacement();
  const logDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p3-'));
  const t = await startBenchTemporal(path.join(logDir, 'temporal.log'));
  try {
    const workflows = await bundle(require.resolve('./workflow-ledger'));
    const ledger: LedgerThroughput[] = [];
    for (const [count, concurrency, unlimited] of LEDGER_RUNS) ledger.push(await measureLedgerThroughput(t, workflows, count, concurrency, unlimited));
    const best = Math.max(...ledger.filter((l) => l.inFlightCap !== null).map((l) => l.perSecond));
    return { placement, ledger, ledgerGoalPerSecond: LEDGER_GOAL_PER_SECOND, ledgerBestPerSecond: best, ledgerMet: best >= LEDGER_GOAL_PER_SECOND };
  } finally {
    await t.close();
    rmSync(logDir, { recursive: true, force: true });
  }
}

benchMain('p3-placement', run);
