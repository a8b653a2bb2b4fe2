// P1's figures from its paired runs: medians of each path, their ratio against the 1.10 goal, and the median of each
// step on both paths, so an overhead above the goal comes with where it went.
import { median, round } from '../stats';
import type { BootshiftRun } from './bootshift-run';
import type { PlainRun } from './plain-run';

export const OVERHEAD_GOAL = 1.1;

export interface PairSample {
  bootshiftMs: number;
  plainMs: number;
  load1: number;
}

export interface P1Result {
  pairs: number;
  samples: PairSample[];
  warmup: { bootshiftMs: number; plainMs: number };
  medianBootshiftMs: number;
  medianPlainMs: number;
  ratio: number;
  goal: number;
  met: boolean;
  /** median ms of each step on each path; null where the path has no such step */
  steps: { step: string; bootshiftMs: number | null; plainMs: number | null }[];
}

const med = (values: number[]) => round(median(values));

function steps(bootshift: BootshiftRun[], plain: PlainRun[]): P1Result['steps'] {
  const run = (type: string) => med(bootshift.map((b) => b.steps.activityRunMs[type] ?? 0));
  const s = bootshift.map((b) => b.steps);
  return [
    { step: 'define + start the domain', bootshiftMs: run('defineAndStartVm'), plainMs: med(plain.map((p) => p.defineStartMs)) },
    { step: 'guest boot → phone-home (bootshift: → gateway → signal)', bootshiftMs: med(s.map((x) => x.bootToSignalMs)), plainMs: med(plain.map((p) => p.bootMs)) },
    { step: 'live migration (bootshift: with pre/post checks)', bootshiftMs: run('migrateVm'), plainMs: med(plain.map((p) => p.migrateMs)) },
    { step: 'activity queueing (scheduled → started, every activity)', bootshiftMs: med(s.map((x) => Object.values(x.activityQueueMs).reduce((a, b) => a + b, 0))), plainMs: null },
    // The ledger's calls are local activities: they run inside these workflow tasks and have no events of their own.
    { step: 'workflow tasks between steps (with the ledger: reserve boot and settle slots, commit the move)', bootshiftMs: med(s.map((x) => x.betweenStepsMs)), plainMs: null },
    { step: 'client: start call and result delivery', bootshiftMs: med(bootshift.map((b) => b.totalMs - b.steps.serverTotalMs)), plainMs: null },
  ];
}

export function summarize(bootshift: BootshiftRun[], plain: PlainRun[], warmup: P1Result['warmup'], loads: number[]): P1Result {
  const medianBootshiftMs = med(bootshift.map((b) => b.totalMs));
  const medianPlainMs = med(plain.map((p) => p.totalMs));
  const ratio = round(medianBootshiftMs / medianPlainMs, 3);
  return {
    pairs: bootshift.length,
    samples: bootshift.map((b, i) => ({ bootshiftMs: round(b.totalMs), plainMs: round(plain[i]?.totalMs ?? Number.NaN), load1: loads[i] ?? Number.NaN })),
    warmup,
    medianBootshiftMs,
    medianPlainMs,
    ratio,
    goal: OVERHEAD_GOAL,
    met: ratio <= OVERHEAD_GOAL,
    steps: steps(bootshift, plain),
  };
}
