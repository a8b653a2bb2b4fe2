// Follows VM workflows until each reaches a final phase, by polling their getStatus query (cheap, read-only, no
// history events) about twice a second. On a terminal the progress frame is redrawn in place; elsewhere one line is
// printed per phase change, so CI logs stay short. Used by `bootshift vm watch` and by the main job.
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Client, WorkflowHandle } from '@temporalio/client';
import logUpdate from 'log-update';
import { getStatusQuery } from '../../workflows/messages';
import type { VmStatus } from '../../workflows/types';
import { CliError, ExitCode } from '../errors';
import { isFinal, PhaseChangeLog, progressFrame } from './views';
import { listVms } from './query';

export type WatchUntil = 'settled' | 'booted';

/**
 * Which VMs: provisionVm workflow ids (the latest run of each), or a visibility query selecting provisionVm
 * workflows (the newest run of each match), such as `vmNamesQuery(['web', 'db'])` from vm-query.ts.
 */
export type WatchVmsOptions = ({ workflowIds: string[] } | { vmNamesQuery: string }) & {
  client: Client;
  /** `settled` (default): a final phase; `booted`: boot complete (or a final phase). */
  until?: WatchUntil;
  out: NodeJS.WriteStream;
  /** Redraw in place; default: whether `out` is a terminal. */
  tty?: boolean;
  intervalMs?: number;
};

interface Watched {
  handle: WorkflowHandle;
  status?: VmStatus;
  doneAt?: number;
  failures: number;
}

// A status query that keeps failing this many rounds in a row (about 15 s) is not a hiccup.
const MAX_QUERY_FAILURES = 30;
// Every this many rounds, VMs that are not done are checked for a workflow that closed without reaching a final
// phase (terminated, timed out), which would otherwise be watched forever.
const CLOSED_CHECK_ROUNDS = 10;

/** Resolves with the VMs' last statuses, in the order given, once every one is done. */
export async function watchVms(opts: WatchVmsOptions): Promise<VmStatus[]> {
  const watched: Watched[] = (await handles(opts)).map((handle) => ({ handle, failures: 0 }));
  const view = (opts.tty ?? opts.out.isTTY === true) ? ttyView(opts.out) : plainView(opts.out);
  for (let round = 0; ; round += 1) {
    const pending = watched.filter((w) => w.doneAt === undefined);
    await Promise.all(pending.map((w) => poll(w, opts.until ?? 'settled', round % CLOSED_CHECK_ROUNDS === CLOSED_CHECK_ROUNDS - 1)));
    view(watched);
    if (watched.every((w) => w.doneAt !== undefined)) return watched.map((w) => w.status!);
    await delay(opts.intervalMs ?? 500);
  }
}

async function handles(opts: WatchVmsOptions): Promise<WorkflowHandle[]> {
  if ('workflowIds' in opts) return opts.workflowIds.map((id) => opts.client.workflow.getHandle(id));
  const newest = new Map<string, string>();
  for (const row of await listVms(opts.client, opts.vmNamesQuery)) if (!newest.has(row.workflowId)) newest.set(row.workflowId, row.runId);
  return [...newest].map(([id, runId]) => opts.client.workflow.getHandle(id, runId));
}

const reached = (s: VmStatus, until: WatchUntil) => isFinal(s.phase) || (until === 'booted' && s.timings.bootedAt !== undefined);

async function poll(w: Watched, until: WatchUntil, checkClosed: boolean): Promise<void> {
  try {
    w.status = await w.handle.query(getStatusQuery);
    w.failures = 0;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(ExitCode.NotFound, `VM workflow ${w.handle.workflowId} not found`);
    if ((w.failures += 1) >= MAX_QUERY_FAILURES) throw err;
    return;
  }
  if (reached(w.status, until)) w.doneAt = Date.now();
  else if (checkClosed) await checkClosedEarly(w, until);
}

async function checkClosedEarly(w: Watched, until: WatchUntil): Promise<void> {
  const { status } = await w.handle.describe();
  if (status.name === 'RUNNING') return;
  // It may have reached its final phase between the query and the describe: ask once more before calling it failed.
  const last = await w.handle.query(getStatusQuery);
  const error = `workflow ${status.name.toLowerCase()} while ${last.phase}${last.error ? ` (${last.error})` : ''}; its clean-up did not run`;
  w.status = reached(last, until) ? last : { ...last, phase: 'failed', error };
  w.doneAt = Date.now();
}

type View = (watched: Watched[]) => void;

function ttyView(out: NodeJS.WriteStream): View {
  const update = logUpdate.create(out, { showCursor: false });
  return (watched) => {
    const known = watched.filter((w) => w.status !== undefined);
    const doneAt = new Map(known.map((w) => [w.status!.vmId, w.doneAt]));
    update(progressFrame(known.map((w) => w.status!), (s) => doneAt.get(s.vmId) ?? Date.now()));
    if (watched.every((w) => w.doneAt !== undefined)) update.done();
  };
}

function plainView(out: NodeJS.WriteStream): View {
  const log = new PhaseChangeLog();
  return (watched) => {
    const statuses = watched.flatMap((w) => (w.status ? [w.status] : []));
    for (const line of log.lines(statuses, Date.now())) out.write(`${line}\n`);
  };
}
