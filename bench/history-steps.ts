// Where a provisionVm run spends its time, read from its workflow history (the server's own timestamps): each
// activity's queueing (scheduled → started) and work (started → completed), the guest's boot up to the signal the
// gateway delivers, and what is left between them: workflow tasks (and, in a storm, waiting for a boot slot).
// provisionVm runs its steps one after another, so these parts add up to the whole run. P1 and P2 both read it.
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;
const Type = temporal.api.enums.v1.EventType;

export interface HistorySteps {
  /** workflow execution started → completed */
  serverTotalMs: number;
  /** per activity type: started → completed */
  activityRunMs: Record<string, number>;
  /** per activity type: scheduled → started */
  activityQueueMs: Record<string, number>;
  /** defineAndStartVm completed → bootComplete signalled: the guest boots and phones home through the gateway */
  bootToSignalMs: number;
  /** the rest: workflow tasks turning one event into the next command */
  betweenStepsMs: number;
  workflowTasks: { count: number; queueMs: number; runMs: number };
  /** history length: each event is server work (a persisted write), the currency of the dev server's throughput */
  events: number;
  /** events by type, without the EVENT_TYPE_ prefix */
  eventTypes: Record<string, number>;
}

const at = (event: Event | undefined): number => (event ? tsToMs(event.eventTime) : Number.NaN);

function byType(events: Event[], type: temporal.api.enums.v1.EventType): Event[] {
  return events.filter((e) => e.eventType === type);
}

function activities(events: Event[]): { type: string; scheduled: number; started: number; completed: number }[] {
  const id = (e: Event) => Number(e.eventId);
  const started = new Map(byType(events, Type.EVENT_TYPE_ACTIVITY_TASK_STARTED).map((e) => [Number(e.activityTaskStartedEventAttributes?.scheduledEventId), e]));
  const completed = new Map(byType(events, Type.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).map((e) => [Number(e.activityTaskCompletedEventAttributes?.scheduledEventId), e]));
  return byType(events, Type.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => ({
    type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
    scheduled: at(e),
    started: at(started.get(id(e))),
    completed: at(completed.get(id(e))),
  }));
}

function workflowTasks(events: Event[]): HistorySteps['workflowTasks'] {
  const scheduled = new Map(byType(events, Type.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).map((e) => [Number(e.eventId), at(e)]));
  const started = new Map(byType(events, Type.EVENT_TYPE_WORKFLOW_TASK_STARTED).map((e) => [Number(e.eventId), e]));
  let queueMs = 0;
  let runMs = 0;
  const completed = byType(events, Type.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  for (const done of completed) {
    const start = started.get(Number(done.workflowTaskCompletedEventAttributes?.startedEventId));
    runMs += at(done) - at(start);
    queueMs += at(start) - (scheduled.get(Number(start?.workflowTaskStartedEventAttributes?.scheduledEventId)) ?? Number.NaN);
  }
  return { count: completed.length, queueMs, runMs };
}

function countTypes(events: Event[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    const name = (Type[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export function historySteps(history: History): HistorySteps {
  const events = history.events ?? [];
  const serverTotalMs = at(byType(events, Type.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)[0]) - at(events[0]);
  const acts = activities(events);
  const activityRunMs: Record<string, number> = {};
  const activityQueueMs: Record<string, number> = {};
  for (const a of acts) {
    activityRunMs[a.type] = (activityRunMs[a.type] ?? 0) + (a.completed - a.started);
    activityQueueMs[a.type] = (activityQueueMs[a.type] ?? 0) + (a.started - a.scheduled);
  }
  // Boot-complete is the accepted bootComplete update (the gateway's report, or the simulated guest's).
  const signal = byType(events, Type.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED).find(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'bootComplete',
  );
  const defined = acts.find((a) => a.type === 'defineAndStartVm');
  const bootToSignalMs = at(signal) - (defined?.completed ?? Number.NaN);
  const sum = (times: Record<string, number>) => Object.values(times).reduce((a, b) => a + b, 0);
  const accounted = sum(activityRunMs) + sum(activityQueueMs) + bootToSignalMs;
  return {
    serverTotalMs,
    activityRunMs,
    activityQueueMs,
    bootToSignalMs,
    betweenStepsMs: serverTotalMs - accounted,
    workflowTasks: workflowTasks(events),
    events: events.length,
    eventTypes: countTypes(events),
  };
}
