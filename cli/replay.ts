// `bootshift replay`: the check a team runs in CI before upgrading bootshift. It fetches the histories of bootshift's
// workflows from a namespace (every open one, since the new code will have to continue exactly those, and those
// closed within --since, for the shapes recent runs took) and replays them against the installed workflow code,
// bundled as the worker bundles it. A history the code cannot reproduce would fail a running workflow after the
// upgrade; it is reported with its workflow id, run id and the first event where code and history part, as the SDK
// names it, and the command exits 7.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import { IllegalStateError } from '@temporalio/common';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import type * as bootshiftWorkflows from '../workflows';
import { ENCODING as SEALED_ENCODING } from '../worker/payload-codec';
import { dataConverterFor } from '../worker/temporal-connection';
import { CliError, ExitCode, usageError } from './errors';
import { type CliContext, intFlag, jsonFlag, optionsFor, parseFlags, withClient } from './options';
import { writeJson } from './output';

type History = temporal.api.history.v1.IHistory;

// A record over the workflows the worker registers, so a new workflow that is not replayed here does not compile.
const WORKFLOW_TYPES: Record<keyof typeof bootshiftWorkflows, true> = { provisionVm: true, decommissionVm: true, checkVm: true, reclaimLeaked: true };
export const BOOTSHIFT_WORKFLOW_TYPES = Object.keys(WORKFLOW_TYPES);

// gRPC INVALID_ARGUMENT: how visibility answers a query it cannot parse.
const GRPC_INVALID_ARGUMENT = 3;

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const sinceFlag = z
  .string()
  .regex(/^\d{1,5}[mhdw]$/, { error: 'must be a duration: a number and m, h, d or w (30m, 12h, 7d, 2w)' })
  .transform((s) => Number(s.slice(0, -1)) * UNITS[s.slice(-1) as keyof typeof UNITS]);

/** bootshift's workflows that are open, or closed since `since`, narrowed by the user's own conditions. */
export function replayQuery(since: Date, extra?: string): string {
  const types = BOOTSHIFT_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ');
  const base = `WorkflowType IN (${types}) AND (ExecutionStatus = 'Running' OR CloseTime >= '${since.toISOString()}')`;
  return extra ? `${base} AND (${extra})` : base;
}

export interface DivergingEvent {
  eventId: number;
  /** As the Temporal UI and the SDK name it: ActivityTaskScheduled, TimerStarted... */
  eventType: string;
}

export interface ReplayFailure {
  workflowType: string;
  workflowId: string;
  runId: string;
  kind: 'nondeterminism' | 'replay-error';
  /** The first event the code did not reproduce; null when the SDK's message names none. */
  event: DivergingEvent | null;
  /** The SDK's own words (the core's message without its wrapping). */
  detail: string;
}

const eventTypeName = (type: temporal.api.enums.v1.EventType | null | undefined): string =>
  (temporal.api.enums.v1.EventType[type ?? 0] ?? `EVENT_TYPE_${type}`)
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());

/**
 * The event where replay parted from the history. The SDK has no structured field for it, only its message: most
 * nondeterminism errors print the event (`HistoryEvent(id: 5, TimerStarted)`, or its debug form with `event_id: 5`);
 * a mismatched activity names the scheduled event's activity id, which the history maps to its event. The type is
 * taken from the history itself, so it is right whatever form the message had.
 */
export function divergingEvent(message: string, history: History): DivergingEvent | null {
  const events = history.events ?? [];
  const byId = (id: number) => events.find((e) => Number(e.eventId) === id);
  const id = /HistoryEvent\(id: (\d+),/.exec(message)?.[1] ?? /\bevent_id: (\d+)/.exec(message)?.[1];
  let event = id === undefined ? undefined : byId(Number(id));
  const activityId = /Activity id of scheduled event '([^']*)'/.exec(message)?.[1];
  if (!event && activityId !== undefined) event = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === activityId);
  return event ? { eventId: Number(event.eventId), eventType: eventTypeName(event.eventType) } : null;
}

/** The core's message inside the SDK's wrapping (`... Details: ... Failure { message: "<this>", ... }`). */
export function sdkDetail(message: string): string {
  const inner = /\bmessage: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  if (inner !== undefined) return inner.replace(/\\(.)/g, '$1');
  return message.replace(/^.*?Details: /s, '');
}

export interface ReplayReport {
  namespace: string;
  query: string;
  workflowsPath: string;
  replayed: number;
  byType: Record<string, number>;
  /** More histories matched than --limit allowed. */
  truncated: boolean;
  failures: ReplayFailure[];
}

export function renderFailure(f: ReplayFailure): string {
  const what = f.kind === 'nondeterminism' ? 'nondeterministic' : 'replay failed';
  const where = f.event ? `at event ${f.event.eventId} ${f.event.eventType}` : '(the SDK names no event)';
  return `${f.workflowType} ${f.workflowId} (run ${f.runId}): ${what} ${where}\n  ${f.detail}`;
}

export function renderSummary(r: ReplayReport): string {
  const types = Object.entries(r.byType).map(([type, n]) => `${n} ${type}`).join(', ');
  const count = `${r.replayed} ${r.replayed === 1 ? 'history' : 'histories'}${types ? ` (${types})` : ''}`;
  const verdict =
    r.replayed === 0 ? 'nothing to replay' : r.failures.length === 0 ? 'all replay deterministically' : `${r.failures.length} failed to replay`;
  const more = r.truncated ? `\nonly the first ${r.replayed} matching histories were replayed: raise --limit to replay more` : '';
  return `replayed ${count} from namespace ${r.namespace} against ${r.workflowsPath}: ${verdict}${more}`;
}

/** The worker SDK, with a runtime that logs only errors, to the CLI's stderr: life-cycle logs are noise in a report. */
async function replaySdk(ctx: CliContext) {
  // The worker SDK loads the native core and the bundler: only this command needs them, so they load here.
  const sdk = await import('@temporalio/worker');
  const logger = new sdk.DefaultLogger('ERROR', (entry) => ctx.err.write(`bootshift: ${entry.message}\n`));
  try {
    // The core logs each failing workflow task as a warning: the report below says it once, and better.
    sdk.Runtime.install({ logger, telemetryOptions: { logging: { filter: sdk.makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } } });
  } catch (err) {
    // A runtime this process installed before (tests running the CLI in process) keeps its own logging.
    if (!(err instanceof IllegalStateError)) throw err;
  }
  return { Worker: sdk.Worker, bundle: (workflowsPath: string) => sdk.bundleWorkflowCode({ workflowsPath, logger }) };
}

export function registerReplayCommand(program: Command, ctx: CliContext): void {
  program
    .command('replay')
    .description('replay the histories of bootshift workflows against the installed workflow code (exit 7 on nondeterminism): run it before upgrading')
    .option('--since <duration>', 'also replay workflows closed within this time (30m, 12h, 7d, 2w); open ones always are', '7d')
    .option('--query <visibility query>', "more conditions, ANDed to the selection (e.g. \"WorkflowType = 'provisionVm'\")")
    .option('--limit <n>', 'replay at most this many histories: open ones first, then the most recently closed', '500')
    .option('--json', 'machine-readable output')
    .addOption(new Option('--workflows <path>', 'replay against this workflows entry point instead of the installed one').hideHelp())
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(
        z.object({
          since: sinceFlag,
          query: z.string().trim().min(1, { error: 'must not be empty' }).optional(),
          limit: intFlag(1, 100_000),
          json: jsonFlag,
          workflows: z.string().optional(),
        }),
        cmd.opts(),
      );
      const workflowsPath = flags.workflows ? path.resolve(ctx.cwd, flags.workflows) : require.resolve('../workflows');
      if (!existsSync(workflowsPath)) throw usageError(`--workflows: no such file or directory: ${workflowsPath}`);
      const opts = optionsFor(cmd, ctx);
      const query = replayQuery(new Date(Date.now() - flags.since), flags.query);
      const report: ReplayReport = { namespace: opts.namespace, query, workflowsPath, replayed: 0, byType: {}, truncated: false, failures: [] };

      await withClient(opts, async (client) => {
        // Counting first makes a query the server rejects a usage error before anything is bundled.
        await client.workflow.count(query).catch((err: unknown) => {
          const cause = err instanceof ServiceError ? err.cause : err;
          if (isGrpcServiceError(cause) && cause.code === GRPC_INVALID_ARGUMENT) throw usageError(`--query: the server rejects the query: ${cause.details}`);
          throw err;
        });
        const { Worker, bundle } = await replaySdk(ctx);
        const workflowBundle = await bundle(workflowsPath);
        // Replays run one at a time and in order, so each result belongs to the oldest history handed over.
        const pending: Array<{ workflowType: string; workflowId: string; runId: string; history: History }> = [];
        async function* histories() {
          let listed = 0;
          for await (const info of client.workflow.list({ query })) {
            if (listed === flags.limit) {
              report.truncated = true;
              return;
            }
            listed += 1;
            const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
            pending.push({ workflowType: info.type, workflowId: info.workflowId, runId: info.runId, history });
            yield { workflowId: info.workflowId, history };
          }
        }
        const dataConverter = dataConverterFor(opts);
        for await (const result of Worker.runReplayHistories({ workflowBundle, ...(dataConverter && { dataConverter }) }, histories())) {
          const replayed = pending.shift()!;
          report.replayed += 1;
          report.byType[replayed.workflowType] = (report.byType[replayed.workflowType] ?? 0) + 1;
          if (!result.error) continue;
          const failure: ReplayFailure = {
            workflowType: replayed.workflowType,
            workflowId: replayed.workflowId,
            runId: replayed.runId,
            kind: result.error instanceof DeterminismViolationError ? 'nondeterminism' : 'replay-error',
            event: divergingEvent(result.error.message, replayed.history),
            detail: sdkDetail(result.error.message),
          };
          report.failures.push(failure);
          // Shown as found: a long CI run tells what broke before it ends.
          if (!flags.json) ctx.out.write(`${renderFailure(failure)}\n`);
        }
      });

      if (flags.json) writeJson(ctx.out, report);
      else ctx.out.write(`${renderSummary(report)}\n`);
      // Sealed payloads without keys fail every replay: that is a missing setting, not incompatible code.
      if (!opts.codecKeys && report.failures.some((f) => f.detail.includes(SEALED_ENCODING))) {
        throw usageError('the histories\' payloads are encrypted: pass the worker\'s keys with --codec-key-file (or BOOTSHIFT_CODEC_KEY_FILE)');
      }
      if (report.failures.length > 0) {
        throw new CliError(
          ExitCode.Nondeterministic,
          `${report.failures.length} of ${report.replayed} workflow histories do not replay against ${workflowsPath}: the code cannot continue them`,
        );
      }
    });
}
