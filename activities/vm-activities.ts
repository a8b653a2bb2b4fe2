// Side effects on VMs, behind the Hypervisor port: define+start on the boot host, live-migrate, destroy, locate.
// Each is idempotent so Temporal can retry it after a crash, and each names its hosts by inventory name only; the
// URIs come from the inventory here, never from workflow history.
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Failure } from '../domain';
import { heartbeating } from './heartbeat';
import { classified, type DomainSpec, type HostRef, type Hypervisor } from './hypervisor';
import { cloudInitSeed, guestCmdline } from './phone-home';
import type {
  BootCallback,
  DefineAndStartVmInput,
  DestroyVmInput,
  InventoryPort,
  LocateVmInput,
  LocateVmResult,
  MigrateVmInput,
  WorkflowPort,
} from './ports';

export interface VmActivityDeps {
  hypervisor: Hypervisor;
  inventory: InventoryPort;
  bootCallback: BootCallback;
  workflows: WorkflowPort;
  /** Serial consoles are written here (one file per domain) when set. */
  consoleDir?: string;
  /** Minimum time between two migration progress signals to a workflow. */
  progressIntervalMs?: number;
}

export function createVmActivities(deps: VmActivityDeps) {
  const hostRef = async (fleet: string, name: string): Promise<HostRef> => {
    const host = await deps.inventory.host(fleet, name);
    return { name: host.name, uri: host.uri, migrationAddress: host.migrationAddress, domainType: host.domainType };
  };

  return {
    async defineAndStartVm(input: DefineAndStartVmInput): Promise<{ created: boolean }> {
      const host = await hostRef(input.fleet, input.host);
      const spec = domainSpec(input, deps);
      const { created } = await heartbeating(() => classified(() => deps.hypervisor.defineAndStart(host, spec)));
      return { created };
    },

    async migrateVm(input: MigrateVmInput): Promise<{ durationMs: number }> {
      const [from, to] = await Promise.all([hostRef(input.fleet, input.from), hostRef(input.fleet, input.to)]);
      const progress = progressForwarder(deps, input, to.name);
      // The adapter itself finds a move an earlier attempt (on a worker that died) already completed.
      return failoverAfterAttempts(() =>
        heartbeating(
          () => deps.hypervisor.migrate({ domain: input.domainName, from, to, signal: Context.current().cancellationSignal, onProgress: progress.report }),
          () => ({ percent: progress.percent() }),
        ),
      );
    },

    async destroyVm(input: DestroyVmInput): Promise<{ existed: boolean }> {
      const host = await hostRef(input.fleet, input.host);
      return heartbeating(() => classified(() => deps.hypervisor.destroy(host, input.domainName)));
    },

    locateVm: (input: LocateVmInput): Promise<LocateVmResult> => heartbeating(() => locate(deps, hostRef, input)),
  };
}

/** Where a domain is, host by host; a host that cannot be asked is listed as unreachable rather than failing. */
async function locate(
  deps: VmActivityDeps,
  hostRef: (fleet: string, name: string) => Promise<HostRef>,
  input: LocateVmInput,
): Promise<LocateVmResult> {
  const names = input.hosts ?? (await deps.inventory.load(input.fleet)).hosts.map((h) => h.name);
  const result: LocateVmResult = { found: [], unreachable: [] };
  for (const name of names) {
    const host = await hostRef(input.fleet, name);
    const state = await classified(() => deps.hypervisor.domainState(host, input.domainName)).catch((err: unknown) => {
      // Permanent failures (a bad name, an unknown host) are real errors; anything else means "cannot tell".
      if (err instanceof ApplicationFailure && err.nonRetryable) throw err;
      result.unreachable.push(name);
      return undefined;
    });
    if (state) result.found.push({ host: name, state: state.state, ...(state.reason && { reason: state.reason }) });
  }
  return result;
}

function domainSpec(input: DefineAndStartVmInput, deps: VmActivityDeps): DomainSpec {
  const { spec } = input;
  const url = deps.bootCallback.url(input.workflowId);
  const token = deps.bootCallback.token(input.workflowId);
  const image: DomainSpec['image'] =
    spec.image.kind === 'kernel'
      ? {
          kind: 'kernel',
          kernel: spec.image.kernel,
          initrd: spec.image.initrd,
          cmdline: [spec.image.cmdline, guestCmdline({ url, token, id: input.vmId })].filter(Boolean).join(' '),
        }
      : {
          kind: 'disk',
          disk: spec.image.disk,
          format: spec.image.format ?? 'qcow2',
          cloudInit: cloudInitSeed({
            vmId: input.vmId,
            hostname: spec.name,
            userData: spec.image.userData,
            phoneHomeUrl: `${url}?token=${encodeURIComponent(token)}`,
          }),
        };
  return {
    name: input.domainName,
    uuid: input.uuid,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    image,
    ...(deps.consoleDir && { consoleLog: path.join(deps.consoleDir, `${input.domainName}.log`) }),
    metadata: { vmId: input.vmId, workflowId: input.workflowId, fleet: input.fleet },
  };
}

/** How many times libvirt may fail a migration before the workflow tries another settle host. */
export const MIGRATION_ATTEMPTS = 3;

/**
 * A failed migration (the job failed, or a host could not be reached) is retried a few times on the same target,
 * since such failures are often passing, then made final so the workflow moves on to another settle host. Attempts
 * lost to a dead worker end in a heartbeat timeout, never here, though they do raise Temporal's attempt number.
 */
async function failoverAfterAttempts<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await classified(run);
  } catch (err) {
    const final = Context.current().info.attempt >= MIGRATION_ATTEMPTS;
    if (err instanceof ApplicationFailure && !err.nonRetryable && final) {
      throw ApplicationFailure.nonRetryable(`${err.type ?? 'error'}: ${err.message}`, Failure.MigrationFailed);
    }
    throw err;
  }
}

/** Forwards a migration's progress to its workflow (for status queries), at most once per interval. */
function progressForwarder(deps: VmActivityDeps, input: MigrateVmInput, target: string) {
  let percent = 0;
  let lastReport = 0;
  return {
    percent: () => percent,
    report: (p: { percent: number }) => {
      percent = p.percent;
      if (Date.now() - lastReport < (deps.progressIntervalMs ?? 2000)) return;
      lastReport = Date.now();
      deps.workflows.signalMigrationProgress(input.workflowId, { target, percent, attempt: input.attempt }).catch(() => undefined);
    },
  };
}
