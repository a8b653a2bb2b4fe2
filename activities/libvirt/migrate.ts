// Live migration through `virsh migrate`, watched from the side: progress comes from polling `domjobinfo` on the
// source, cancellation and the deadline both go through `domjobabort` (killing the virsh client would leave the
// job running in libvirtd), and the outcome is judged by where the domain is afterwards, not by virsh's exit code.
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../../domain';
import { HypervisorError, type DomainState, type MigrateRequest } from '../hypervisor';
import { toHypervisorError, virshErrorKind } from './virsh';
import { domainStateOrNull, type Virsh } from './virsh';
import { checkDomainName, checkHost } from './validate';
import { parseJobProgress } from './virsh-output';

export interface MigrateDeps {
  virsh: Virsh;
  pollIntervalMs: number;
  migrationTimeoutMs: number;
  /** Caps each migration's stream (virsh --bandwidth), so live migrations cannot starve the hosts' other traffic. */
  bandwidthMiBps?: number;
}

type Where = { source: DomainState | null; target: DomainState | null };
type StopReason = 'cancelled' | 'timeout';

function migrateArgs({ domain, to, copyStorage, tls }: MigrateRequest, bandwidthMiBps?: number): string[] {
  const args = ['migrate', '--live', '--persistent', '--undefinesource', '--verbose', domain, to.uri];
  if (tls) args.push('--tls');
  if (bandwidthMiBps) args.push('--bandwidth', String(bandwidthMiBps));
  // Only the VM's own disk, only its top layer: the base is already on the target (the caller made sure), and the
  // seed cdrom was ejected after boot. The target's NBD server takes a port from its migration range too.
  if (copyStorage) args.push('--copy-storage-inc', '--migrate-disks', 'vda');
  // With an address and no port, libvirt takes a free port from the destination's migration_port_min..max range.
  const address = to.migrationAddress?.includes(':') ? `[${to.migrationAddress}]` : to.migrationAddress;
  if (!address) return args;
  args.push('--migrateuri', `tcp://${address}`);
  // The disk stream listens on the migration address only, not on every address of the target.
  if (copyStorage) args.push('--disks-uri', `tcp://${address}`);
  return args;
}

async function pollProgress(deps: MigrateDeps, req: MigrateRequest, started: number, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    try {
      await delay(deps.pollIntervalMs, undefined, { signal: stop });
    } catch {
      return;
    }
    const info = await deps.virsh(req.from.uri, ['domjobinfo', req.domain], 30_000).catch(() => undefined);
    const progress = info === undefined ? undefined : parseJobProgress(info, Date.now() - started);
    try {
      if (progress && !stop.aborted) req.onProgress?.(progress);
    } catch {
      // a failing progress listener must not fail the migration it watches
    }
  }
}

async function locate(deps: MigrateDeps, req: MigrateRequest): Promise<Where> {
  const [source, target] = await Promise.all([
    domainStateOrNull(deps.virsh, req.from.uri, req.domain),
    domainStateOrNull(deps.virsh, req.to.uri, req.domain),
  ]);
  return { source, target };
}

const show = (state: DomainState | null): string =>
  state ? `${state.state}${state.reason ? ` (${state.reason})` : ''}` : 'absent';

function placement(req: MigrateRequest, { source, target }: Where): string {
  return `${req.from.name}: ${show(source)}, ${req.to.name}: ${show(target)}`;
}

const moved = ({ source, target }: Where): boolean => source === null && target?.state === 'running';

async function preflight(deps: MigrateDeps, req: MigrateRequest): Promise<'move' | 'done'> {
  const where = await locate(deps, req);
  if (moved(where)) return 'done'; // an earlier attempt finished the move
  if (where.source === null) {
    throw new HypervisorError(`${req.domain} is not on ${req.from.name}`, Failure.DomainNotFound, true);
  }
  if (where.target !== null || where.source.state !== 'running') {
    const message = `cannot live-migrate ${req.domain} (${placement(req, where)})`;
    throw new HypervisorError(message, Failure.MigrationFailed, true);
  }
  return 'move';
}

export async function migrate(deps: MigrateDeps, req: MigrateRequest): Promise<{ durationMs: number }> {
  [req.from, req.to].forEach((host) => checkHost(host));
  checkDomainName(req.domain);
  if (req.from.uri === req.to.uri) {
    throw new HypervisorError(`${req.domain}: source and target are the same host`, Failure.MigrationFailed, true);
  }
  if (req.signal?.aborted) {
    throw new HypervisorError(`migration of ${req.domain} cancelled before it started`, Failure.Cancelled, true);
  }
  const started = Date.now();
  if ((await preflight(deps, req)) === 'done') return { durationMs: 0 };
  const { stopReason, failure } = await runJob(deps, req, started);
  return judgeOutcome(deps, req, started, stopReason, failure);
}

async function runJob(deps: MigrateDeps, req: MigrateRequest, started: number) {
  let stopReason: StopReason | undefined;
  const halt = (reason: StopReason) => () => {
    stopReason ??= reason;
    void deps.virsh(req.from.uri, ['domjobabort', req.domain], 30_000).catch(() => undefined);
  };
  const onAbort = halt('cancelled');
  req.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(halt('timeout'), deps.migrationTimeoutMs);
  const stopPolling = new AbortController();
  const polling = pollProgress(deps, req, started, stopPolling.signal);
  // virsh's own deadline is a backstop only: the job is aborted at migrationTimeoutMs.
  const failure = await deps.virsh(req.from.uri, migrateArgs(req, deps.bandwidthMiBps), deps.migrationTimeoutMs + 120_000).then(
    () => undefined,
    (err: unknown) => err,
  );
  stopPolling.abort();
  clearTimeout(deadline);
  req.signal?.removeEventListener('abort', onAbort);
  await polling;
  return { stopReason, failure };
}

// If the abort came too late and the domain already runs on the target, the move stands: reporting a cancellation
// would make the caller believe the VM is still on the source.
async function judgeOutcome(
  deps: MigrateDeps,
  req: MigrateRequest,
  started: number,
  stopReason: StopReason | undefined,
  failure: unknown,
): Promise<{ durationMs: number }> {
  const where = await locate(deps, req);
  const durationMs = Date.now() - started;
  if (moved(where)) return { durationMs };
  const states = placement(req, where);
  if (stopReason === 'cancelled' && where.source?.state === 'running') {
    throw new HypervisorError(`migration of ${req.domain} cancelled; it runs on ${req.from.name}`, Failure.Cancelled, true);
  }
  if (stopReason === 'timeout') {
    const message = `migration of ${req.domain} aborted after ${deps.migrationTimeoutMs} ms (${states})`;
    throw new HypervisorError(message, Failure.MigrationFailed, false);
  }
  if (failure !== undefined && virshErrorKind(failure) !== 'aborted') {
    throw toHypervisorError(failure, `migrate ${req.domain} (${states})`, Failure.MigrationFailed);
  }
  throw new HypervisorError(`migration of ${req.domain} did not complete (${states})`, Failure.MigrationFailed, false);
}
