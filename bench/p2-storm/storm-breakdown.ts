// Where the storm's time goes. A VM holds its boot slot from the grant until it has settled, so with 80 slots the
// storm can go no faster than 80 / (median hold) VMs per second (Little's law): the breakdown splits that hold into
// its steps, from a sample of histories. The ledger's calls are local activities now (PostgreSQL transactions run
// inside the VM's workflow tasks, leaving one marker each), so their steps are the workflow tasks that ran them.
// Event counts (each event is persisted server work) cover every workflow the storm ran, read from visibility, so a
// ledger workflow would show up here if there were one.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { historySteps } from '../history-steps';
import { median, round } from '../stats';
import type { ProvisionVmResult } from '../../workflows/types';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;
const Type = temporal.api.enums.v1.EventType;

export interface StormBreakdown {
  sampledVms: number;
  /** median history length of a provisionVm, and what one of them is made of */
  eventsPerVm: number;
  eventTypesOfOne: Record<string, number>;
  /** every workflow run on the storm's task queue, by type: runs and their history events */
  workflows: Record<string, { runs: number; events: number }>;
  /** the workflow started → its first workflow task started (a storm's backlog of tasks) */
  firstTaskP50Ms: number;
  /** checkVm, the worker's check of the spec before any reservation: queued + run */
  checkVmP50Ms: number;
  /** the workflow's first task → its boot slot (the result's queuedMs) */
  queuedP50Ms: number;
  /** boot slot granted → settled */
  holdP50Ms: number;
  /** the hold's steps, medians over the sample */
  holdSteps: { step: string; ms: number }[];
}

/** The hold's steps of one VM, in ms; NaN where its history lacks the step. */
interface Hold {
  define: number;
  bootReport: number;
  settleTask: Task;
  migrate: number;
  commitTask: Task;
}

/** A workflow task: waiting for the worker (scheduled → started), then running (started → completed). */
interface Task {
  queued: number;
  ran: number;
}

const at = (event: Event | null | undefined): number => (event ? tsToMs(event.eventTime) : Number.NaN);

/** The workflow task (scheduled, started, completed) that ends right before event `index`. */
function taskBefore(events: Event[], index: number): { scheduled: number; started: number; completed: number } {
  for (let i = index - 1; i >= 0; i -= 1) {
    const done = events[i]!;
    if (done.eventType !== Type.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) continue;
    const started = events.find((e) => Number(e.eventId) === Number(done.workflowTaskCompletedEventAttributes?.startedEventId));
    const scheduled = events.find((e) => Number(e.eventId) === Number(done.workflowTaskCompletedEventAttributes?.scheduledEventId));
    return { scheduled: at(scheduled), started: at(started), completed: at(done) };
  }
  return { scheduled: Number.NaN, started: Number.NaN, completed: Number.NaN };
}

const task = (t: ReturnType<typeof taskBefore>): Task => ({ queued: t.started - t.scheduled, ran: t.completed - t.started });

/** Index of the local-activity marker of `type` (the SDK records the activity type in the marker's data). */
function localActivity(events: Event[], type: string): number {
  return events.findIndex((e) => {
    const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (e.eventType !== Type.EVENT_TYPE_MARKER_RECORDED || !data) return false;
    return (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type === type;
  });
}

function holdOf(history: History): Hold {
  const events = history.events ?? [];
  const steps = historySteps(history);
  const activity = (type: string) => (steps.activityQueueMs[type] ?? Number.NaN) + (steps.activityRunMs[type] ?? Number.NaN);
  const defineScheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'defineAndStartVm');
  const defined = events.find((e) => e.activityTaskCompletedEventAttributes && Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === Number(defineScheduled?.eventId));
  // The boot report is accepted in the workflow task that then runs reserveSettleSlot.
  const settleTask = taskBefore(events, localActivity(events, 'reserveSettleSlot'));
  const commitTask = taskBefore(events, localActivity(events, 'commitMove'));
  return {
    define: activity('defineAndStartVm'),
    bootReport: settleTask.scheduled - at(defined),
    settleTask: task(settleTask),
    migrate: activity('migrateVm'),
    commitTask: task(commitTask),
  };
}

function holdSteps(holds: Hold[], holdMs: number, bootMs: number): StormBreakdown['holdSteps'] {
  const med = (pick: (h: Hold) => number) => round(median(holds.map(pick)));
  const parts = [
    { step: 'defineAndStartVm (queued + run)', ms: med((h) => h.define) },
    { step: `simulated boot (${bootMs} ms) → its report taken (a refused report is sent again 1 s later)`, ms: med((h) => h.bootReport) },
    { step: 'the workflow task that takes it: waiting for the worker', ms: med((h) => h.settleTask.queued) },
    { step: 'that task running, reserveSettleSlot inside (local activity: a ledger transaction)', ms: med((h) => h.settleTask.ran) },
    { step: 'migrateVm (queued + run: simulated)', ms: med((h) => h.migrate) },
    { step: 'the workflow task after it: waiting for the worker', ms: med((h) => h.commitTask.queued) },
    { step: 'that task running, commitMove inside (local activity: a ledger transaction, then the grant to the next queued VM)', ms: med((h) => h.commitTask.ran) },
  ];
  const rest = holdMs - parts.reduce((sum, p) => sum + p.ms, 0);
  return [...parts, { step: 'other workflow tasks between the steps (the rest)', ms: round(rest) }];
}

/** Every run on the task queue, from visibility, once it lists all `expected` provisionVm runs (it lags a little). */
async function workflowsOn(client: Client, taskQueue: string, expected: number): Promise<StormBreakdown['workflows']> {
  for (let attempt = 1; ; attempt += 1) {
    const workflows: StormBreakdown['workflows'] = {};
    for await (const run of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      const w = (workflows[run.type] ??= { runs: 0, events: 0 });
      w.runs += 1;
      w.events += run.historyLength;
    }
    if ((workflows.provisionVm?.runs ?? 0) >= expected || attempt >= 20) return workflows;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function stormBreakdown(
  client: Client,
  handles: WorkflowHandle[],
  results: ProvisionVmResult[],
  opts: { taskQueue: string; bootMs: number },
  every = 50,
): Promise<StormBreakdown> {
  const sample = handles.map((h, i) => ({ h, r: results[i] as ProvisionVmResult })).filter((_, i) => i % every === 0);
  const histories = await Promise.all(sample.map(({ h }) => h.fetchHistory()));
  const holdP50Ms = round(median(sample.map(({ r }) => r.totalMs - r.queuedMs)));
  const steps = histories.map(historySteps);
  const firstTask = (h: History) => {
    const events = h.events ?? [];
    return at(events.find((e) => e.eventType === Type.EVENT_TYPE_WORKFLOW_TASK_STARTED)) - at(events[0]);
  };
  return {
    sampledVms: sample.length,
    eventsPerVm: round(median(steps.map((s) => s.events))),
    eventTypesOfOne: steps[0]?.eventTypes ?? {},
    workflows: await workflowsOn(client, opts.taskQueue, handles.length),
    firstTaskP50Ms: round(median(histories.map(firstTask))),
    checkVmP50Ms: round(median(steps.map((s) => (s.activityQueueMs.checkVm ?? Number.NaN) + (s.activityRunMs.checkVm ?? Number.NaN)))),
    queuedP50Ms: round(median(sample.map(({ r }) => r.queuedMs))),
    holdP50Ms,
    holdSteps: holdSteps(histories.map(holdOf), holdP50Ms, opts.bootMs),
  };
}
