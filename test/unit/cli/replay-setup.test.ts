// The parts of `bootshift replay` and `bootshift setup` that need no server: finding the first diverging event in the
// SDK's replay errors (their messages as the SDK words them), the visibility query, and bad flags refused (exit 2)
// before anything connects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { temporal } from '@temporalio/proto';
import { run } from '../../../cli/main';
import { BOOTSHIFT_WORKFLOW_TYPES, divergingEvent, renderFailure, replayQuery, sdkDetail } from '../../../cli/replay';

const { EventType } = temporal.api.enums.v1;

// A provisionVm history's first events, as fetched (ids are Longs, types enum numbers, as the server sends them).
const history = temporal.api.history.v1.History.fromObject({
  events: [
    { eventId: 1, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
    { eventId: 2, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED },
    { eventId: 3, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED },
    { eventId: 4, eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED },
    { eventId: 5, eventType: EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES },
    { eventId: 6, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activityTaskScheduledEventAttributes: { activityId: '2' } },
    { eventId: 7, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED },
  ],
});

// What Worker.runReplayHistories reports for a timer added before the first step (copied from a real replay).
const TIMER_ADDED =
  'Replay failed with a nondeterminism error. This means that the workflow code as written is not compatible with the history that was fed in. ' +
  'Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Timer machine does ' +
  'not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)", source: "", stack_trace: "", encoded_attributes: None, cause: None, ' +
  'failure_info: Some(ApplicationFailureInfo(ApplicationFailureInfo { r#type: "", non_retryable: false, details: None, next_retry_delay: None, ' +
  'category: Unspecified })) }), force_cause: NonDeterministicError }';

describe('the first diverging event', () => {
  test('from the event the SDK prints, typed by the history', () => {
    expect(divergingEvent(TIMER_ADDED, history)).toEqual({ eventId: 5, eventType: 'UpsertWorkflowSearchAttributes' });
    expect(divergingEvent('[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 7, ActivityTaskStarted)', history)).toEqual({
      eventId: 7,
      eventType: 'ActivityTaskStarted',
    });
  });

  test("from the event's debug form", () => {
    const message = 'this event had an initial command ID but we could not find a matching command for it: HistoryEvent { event_id: 6, event_time: None }';
    expect(divergingEvent(message, history)).toEqual({ eventId: 6, eventType: 'ActivityTaskScheduled' });
  });

  test("from a mismatched activity's id, through the history", () => {
    const message = "[TMPRL1100] Nondeterminism error: Activity id of scheduled event '2' does not match activity id of activity command '3'";
    expect(divergingEvent(message, history)).toEqual({ eventId: 6, eventType: 'ActivityTaskScheduled' });
  });

  test('none when the message names no event, or one the history does not have', () => {
    expect(divergingEvent('Unknown encoding: binary/encrypted', history)).toBeNull();
    expect(divergingEvent('No command scheduled for event HistoryEvent(id: 99, TimerStarted)', history)).toBeNull();
  });
});

test("the SDK's own words are taken out of its wrapping", () => {
  expect(sdkDetail(TIMER_ADDED)).toBe('[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)');
  expect(sdkDetail('Replay failed due workflow task failure. Details: Unknown encoding: binary/encrypted')).toBe('Unknown encoding: binary/encrypted');
});

test('a failure names the workflow, its run and the event', () => {
  const line = renderFailure({
    workflowType: 'provisionVm',
    workflowId: 'vm/p/s/web',
    runId: 'r-1',
    kind: 'nondeterminism',
    event: { eventId: 5, eventType: 'UpsertWorkflowSearchAttributes' },
    detail: 'd',
  });
  expect(line).toBe('provisionVm vm/p/s/web (run r-1): nondeterministic at event 5 UpsertWorkflowSearchAttributes\n  d');
});

test('the query: every bootshift workflow, open or closed since the window began, and the user\'s conditions ANDed', () => {
  expect(BOOTSHIFT_WORKFLOW_TYPES).toEqual(['provisionVm', 'decommissionVm', 'checkVm', 'reclaimLeaked']);
  const since = new Date('2026-11-01T00:00:00.000Z');
  expect(replayQuery(since)).toBe(
    "WorkflowType IN ('provisionVm', 'decommissionVm', 'checkVm', 'reclaimLeaked') AND (ExecutionStatus = 'Running' OR CloseTime >= '2026-11-01T00:00:00.000Z')",
  );
  expect(replayQuery(since, "VmName = 'web' OR VmName = 'db'")).toMatch(/ AND \(VmName = 'web' OR VmName = 'db'\)$/);
});

describe('bad flags are refused before anything connects (exit 2)', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'bootshift-cli-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  async function bootshift(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const text = { out: '', err: '' };
    const stream = (key: keyof typeof text) => {
      const s = new PassThrough();
      s.on('data', (chunk) => (text[key] += String(chunk)));
      return s as unknown as NodeJS.WriteStream;
    };
    // An address nothing listens on: a command that got past validation would fail to connect (exit 4), not pass.
    const code = await run(args, { out: stream('out'), err: stream('err'), env: { TEMPORAL_ADDRESS: '127.0.0.1:1' }, cwd });
    return { code, ...text };
  }

  test.each([
    [['replay', '--since', '7'], /^bootshift: --since: must be a duration: a number and m, h, d or w \(30m, 12h, 7d, 2w\)\n$/],
    [['replay', '--limit', '0'], /^bootshift: --limit: must be an integer from 1 to 100000\n$/],
    [['replay', '--query', ' '], /^bootshift: --query: must not be empty\n$/],
    [['replay', '--workflows', 'nowhere/index.ts'], /^bootshift: --workflows: no such file or directory: .*nowhere\/index\.ts\n$/],
    [['setup', '--task-queue', 'a queue'], /^bootshift: --task-queue: must be a task queue name/],
  ])('%j', async (args, message) => {
    const { code, out, err } = await bootshift(args);
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(message);
  });

  test('--help lists both; --workflows is left out of replay\'s help', async () => {
    const help = await bootshift(['--help']);
    expect(help.out).toMatch(/^ {2}setup /m);
    expect(help.out).toMatch(/^ {2}replay /m);
    const replayHelp = await bootshift(['replay', '--help']);
    expect(replayHelp.out).toContain('--since <duration>');
    expect(replayHelp.out).not.toContain('--workflows');
  });
});
