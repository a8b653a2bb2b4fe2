// Where the storm's time goes. A VM holds its boot slot from the grant until it has settled, so with 80 slots the
// storm can go no faster than 80 / (median hold) VMs per second (Little's law): the breakdown splits that hold into
// its steps, from a sample of histories. Event counts (each event is persisted server work) compare bootshift's
// load on the dev server with the bare workflow's.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historySteps, type HistorySteps } from '../history-steps';
import { median, round } from '../stats';
import type { ProvisionVmResult } from '../../workflows/types';

export interface StormBreakdown {
  sampledVms: number;
  /** median history length of a provisionVm, and what one of them is made of */
  eventsPerVm: number;
  eventTypesOfOne: Record<string, number>;
  /** all runs of the fleet's ledger (it continues as new) */
  ledgerEvents: number;
  ledgerRuns: number;
  queuedP50Ms: number;
  /** boot slot granted → settled */
  holdP50Ms: number;
  /** the hold's steps, medians over the sample */
  holdSteps: { step: string; ms: number }[];
}

const HOLD_ACTIVITIES = ['defineAndStartVm', 'reserveSettleSlot', 'migrateVm', 'commitMove'];

function holdSteps(steps: HistorySteps[], holdMs: number): StormBreakdown['holdSteps'] {
  const med = (pick: (s: HistorySteps) => number) => round(median(steps.map(pick)));
  const run = (type: string) => med((s) => s.activityRunMs[type] ?? 0);
  const parts = [
    { step: 'defineAndStartVm (run)', ms: run('defineAndStartVm') },
    { step: 'simulated boot (200 ms) → boot signaller → bootComplete signal', ms: med((s) => s.bootToSignalMs) },
    { step: 'reserveSettleSlot (run: a ledger update)', ms: run('reserveSettleSlot') },
    { step: 'migrateVm (run: 200 ms simulated)', ms: run('migrateVm') },
    { step: 'commitMove (run: a ledger update)', ms: run('commitMove') },
    { step: 'these four activities waiting for a slot (scheduled → started)', ms: med((s) => HOLD_ACTIVITIES.reduce((sum, t) => sum + (s.activityQueueMs[t] ?? 0), 0)) },
  ];
  const rest = holdMs - parts.reduce((sum, p) => sum + p.ms, 0);
  return [...parts, { step: 'workflow tasks between the steps (the rest)', ms: round(rest) }];
}

export async function stormBreakdown(
  client: Client,
  handles: WorkflowHandle[],
  results: ProvisionVmResult[],
  fleet: string,
  every = 50,
): Promise<StormBreakdown> {
  const sample = handles.map((h, i) => ({ h, r: results[i] as ProvisionVmResult })).filter((_, i) => i % every === 0);
  const steps = await Promise.all(sample.map(async ({ h }) => historySteps(await h.fetchHistory())));
  const holdP50Ms = round(median(sample.map(({ r }) => r.totalMs - r.queuedMs)));
  let ledgerEvents = 0;
  let ledgerRuns = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = "fleet/${fleet}"` })) {
    ledgerEvents += run.historyLength;
    ledgerRuns += 1;
  }
  return {
    sampledVms: sample.length,
    eventsPerVm: round(median(steps.map((s) => s.events))),
    eventTypesOfOne: steps[0]?.eventTypes ?? {},
    ledgerEvents,
    ledgerRuns,
    queuedP50Ms: round(median(sample.map(({ r }) => r.queuedMs))),
    holdP50Ms,
    holdSteps: holdSteps(steps, holdP50Ms),
  };
}
