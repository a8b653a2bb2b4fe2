// P2, the boot storm: 1,000 VMs requested at once against 80 concurrent boot slots, on a real dev server with one
// in-process bootshift worker over the simulated hypervisor and the PostgreSQL ledger (a test cluster: fsync off, as
// the dev server keeps its own state in memory); and, on the same server, the ceiling: 1,000 bare one-activity
// workflows with the same worker settings. bootshift's fraction is its VMs/s over the ceiling's workflows/s. The
// storm as it ran on the fleetLedger workflow is kept as bench/results/p2-storm-workflow-ledger.json (the "before").
// Run alone: npx ts-node --transpile-only bench/p2-storm/index.ts [--vms 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchMain, intArg } from '../bench-main';
import { loadAverage, type LoadAverage } from '../machine';
import { readPostgresSettings, type PostgresSettings } from '../postgres-settings';
import { startTestLedger } from '../../test/helpers/postgres';
import { bundle, startBenchTemporal } from '../temporal-env';
import { runCeiling, type CeilingFigures } from './ceiling';
import { runStorm, type StormFigures } from './storm';
import { DEFAULT_STORM, type StormShape } from './storm-fleet';
import { STORM_TUNING } from './tuning';

export const STORM_GOAL_SECONDS = 60;

export interface P2Result {
  shape: StormShape;
  tuning: typeof STORM_TUNING;
  storm: StormFigures;
  ceiling: CeilingFigures;
  fraction: number;
  /** persisted history events per second: bootshift's (every workflow of the storm) and the ceiling's */
  serverEventsPerSecond: { bootshift: number; ceiling: number };
  /** the ledger's PostgreSQL, as configured */
  ledgerSettings: PostgresSettings;
  goalSeconds: number;
  met: boolean;
  load: { afterCeiling: LoadAverage; afterStorm: LoadAverage };
}

async function run(args: string[]): Promise<P2Result> {
  const shape = { ...DEFAULT_STORM, vms: intArg(args, '--vms', DEFAULT_STORM.vms) };
  const logDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p2-'));
  const t = await startBenchTemporal(path.join(logDir, 'temporal.log'));
  const ledger = await startTestLedger();
  try {
    const [bootshiftBundle, bareBundle] = await Promise.all([bundle(require.resolve('../../workflows')), bundle(require.resolve('./bare-workflow'))]);
    const ceiling = await runCeiling(t, bareBundle, shape.vms);
    const afterCeiling = loadAverage();
    const storm = await runStorm(t, ledger.db, bootshiftBundle, shape);
    const problems = storm.watch.violations.length + storm.finalProblems.length;
    return {
      shape,
      tuning: STORM_TUNING,
      storm,
      ceiling,
      fraction: Number((storm.vmsPerSecond / ceiling.perSecond).toFixed(3)),
      serverEventsPerSecond: {
        bootshift: Math.round(Object.values(storm.breakdown.workflows).reduce((sum, w) => sum + w.events, 0) / storm.allSettledSeconds),
        ceiling: Math.round((ceiling.workflows * ceiling.eventsPerWorkflow) / ceiling.seconds),
      },
      ledgerSettings: await readPostgresSettings(ledger.db),
      goalSeconds: STORM_GOAL_SECONDS,
      met: storm.allSettledSeconds <= STORM_GOAL_SECONDS && problems === 0 && storm.settled === shape.vms,
      load: { afterCeiling, afterStorm: loadAverage() },
    };
  } finally {
    await t.close();
    await ledger.close();
    rmSync(logDir, { recursive: true, force: true });
  }
}

benchMain('p2-storm', run);
