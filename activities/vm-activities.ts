// Side effects on VMs, behind the Hypervisor port: check a spec against the fleet, define+start on the boot host
// (with its disk and seed for a cloud image), eject the seed once booted, wait for the guest agent, live-migrate
// (copying the disk's top layer between hosts that share no storage), destroy, locate. Each is idempotent so Temporal
// can retry it after a crash, and each names its hosts by inventory name only; the URIs come from the inventory here,
// never from workflow history.
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Failure, METRICS, VmSpecError, overlayVolumeOf, parseVmSpec, seedVolumeOf, type HostConfig, type Inventory, type LabelsOf, type VmSpec } from '../domain';
import { heartbeating } from './heartbeat';
import { SEED_DEVICE, classified, type DomainSpec, type HostRef, type Hypervisor, type MigrationProgress } from './hypervisor';
import { createImageCatalog, invalidVmSpec, pathsOutsideImageDirs, type ImageCatalog, type SpecIssue } from './images';
import { cloudInitSeed, guestCmdline, kernelGatewayProblem } from './phone-home';
import type {
  AwaitGuestAgentInput,
  BootCallback,
  CheckVmInput,
  CheckVmResult,
  DefineAndStartVmInput,
  DestroyVmInput,
  DestroyVmResult,
  DetachSeedInput,
  InventoryPort,
  LocateVmInput,
  LocateVmResult,
  MigrateVmInput,
  WorkflowPort,
} from './ports';
import { createVmStorage } from './vm-storage';

export interface VmActivityDeps {
  hypervisor: Hypervisor;
  inventory: InventoryPort;
  bootCallback: BootCallback;
  workflows: WorkflowPort;
  /** Finds base images in the fleet's imageDirs (default: a catalog of this process). */
  images?: ImageCatalog;
  /** Serial consoles are written here (one file per domain) when set. */
  consoleDir?: string;
  /** Minimum time between two migration progress signals to a workflow. */
  progressIntervalMs?: number;
  /** How often the guest agent is asked whether the boot is complete (default 2 s). */
  agentPollMs?: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export function createVmActivities(deps: VmActivityDeps) {
  const hv = deps.hypervisor;
  const images = deps.images ?? createImageCatalog();
  const storage = createVmStorage({ hypervisor: hv, images });
  const refOf = (host: HostConfig): HostRef => ({ name: host.name, uri: host.uri, migrationAddress: host.migrationAddress, domainType: host.domainType });
  const hostRef = async (fleet: string, name: string): Promise<HostRef> => refOf(await deps.inventory.host(fleet, name));
  /** The pool as the inventory names it, for operations that must not create it (deleting, looking). */
  const poolOf = (inventory: Inventory) => ({ ...inventory.storagePool });

  return {
    /**
     * The checks only the worker can make (they need the fleet's inventory and hosts), run before anything is reserved
     * and by `pulumi preview`: kernel and initrd inside the imageDirs, a base image to be found, a disk at least as large
     * as the base. Every problem is reported at once, by field.
     */
    async checkVm(input: CheckVmInput): Promise<CheckVmResult> {
      const spec = parsedSpec(input.spec);
      const inventory = await deps.inventory.load(spec.fleet).catch((err: unknown) => {
        if (err instanceof ApplicationFailure && err.type === Failure.UnknownFleet) throw invalidVmSpec([{ path: 'fleet', rule: err.message }]);
        throw err;
      });
      if (spec.image.kind === 'kernel') {
        const issues = pathsOutsideImageDirs(inventory, { 'image.kernel': spec.image.kernel, 'image.initrd': spec.image.initrd });
        // Only the URL's scheme and shape matter here; the workflow id in its path is the guest's own later.
        const gateway = kernelGatewayProblem(deps.bootCallback.url('check'));
        if (gateway) issues.push({ path: 'image.kind', rule: gateway });
        if (issues.length > 0) throw invalidVmSpec(issues);
        return {};
      }
      const image = spec.image;
      const base = await heartbeating(() => images.find(inventory, image.volume));
      const issues: SpecIssue[] = [];
      let capacityBytes = base?.capacityBytes;
      if (!base) {
        // No file to upload: the base must already be a volume in the pool of every host the VM may use. The hosts are
        // asked at once, heartbeating: a fleet's worth of slow hosts one after another outlasts the heartbeat timeout.
        const infos = await heartbeating(() =>
          Promise.all(inventory.hosts.map((host) => hv.volumeInfo(refOf(host), poolOf(inventory), image.volume).catch(() => undefined))),
        );
        const missing = inventory.hosts.filter((_, i) => infos[i] === null).map((host) => host.name);
        for (const info of infos) if (info) capacityBytes = info.capacityBytes;
        if (missing.length > 0) {
          const dirs = inventory.imageDirs.join(', ') || 'none listed';
          issues.push({
            path: 'image.volume',
            rule: `no file "${image.volume}" in the fleet's imageDirs (${dirs}) to upload, and hosts ${missing.join(', ')} have no such volume in pool ${inventory.storagePool.name}`,
          });
        }
      }
      if (capacityBytes !== undefined && image.diskGiB * GiB < capacityBytes) {
        issues.push({ path: 'image.diskGiB', rule: `must be at least ${Math.ceil(capacityBytes / GiB)} (the base image's virtual size is ${(capacityBytes / GiB).toFixed(2)} GiB)` });
      }
      if (issues.length > 0) throw invalidVmSpec(issues);
      return capacityBytes === undefined ? {} : { base: { volume: base?.volume ?? image.volume, capacityBytes } };
    },

    async defineAndStartVm(input: DefineAndStartVmInput): Promise<{ created: boolean }> {
      const inventory = await deps.inventory.load(input.fleet);
      const host = await hostRef(input.fleet, input.host);
      const spec = parsedSpec(input.spec);
      const image = await heartbeating(() => bootImage(input, spec, inventory, host));
      const domain = domainSpec(input, spec, image, deps);
      const { created } = await heartbeating(() => classified(() => hv.defineAndStart(host, domain)));
      return { created };
    },

    /** The seed is not needed once the guest has booted, holds its token and user-data, and must not travel. */
    async detachSeed(input: DetachSeedInput): Promise<{ ejected: boolean; deleted: boolean }> {
      const inventory = await deps.inventory.load(input.fleet);
      const host = await hostRef(input.fleet, input.host);
      return heartbeating(() =>
        classified(async () => {
          const { ejected } = await hv.ejectMedia(host, input.domainName, SEED_DEVICE);
          const { existed } = await hv.deleteVolume(host, poolOf(inventory), seedVolumeOf(input.domainName));
          return { ejected, deleted: existed };
        }),
      );
    },

    /**
     * Boot-complete for guests that cannot reach the gateway: asks the QEMU guest agent until it answers and
     * cloud-init's result file says the boot is over, then sends the bootComplete report the gateway would have sent.
     */
    async awaitGuestAgent(input: AwaitGuestAgentInput): Promise<{ agentReadyMs: number; cloudInitDoneMs: number; status: string }> {
      const host = await hostRef(input.fleet, input.host);
      const started = Date.now();
      let agentReadyMs: number | undefined;
      return heartbeating(
        async () => {
          for (;;) {
            const agentUp = await classified(() => hv.agentCommand(host, input.domainName, { execute: 'guest-ping' })).then(
              () => true,
              (err: unknown) => {
                if (err instanceof ApplicationFailure && err.nonRetryable) throw err;
                return false; // no agent yet: the guest is still booting
              },
            );
            if (agentUp) agentReadyMs ??= Date.now() - started;
            const status = agentUp ? await cloudInitResult(hv, host, input.domainName) : undefined;
            if (status !== undefined) {
              const cloudInitDoneMs = Date.now() - started;
              await deps.workflows.reportBootComplete(input.workflowId, {
                source: 'guest-agent',
                detail: { via: 'guest-agent', host: host.name, cloudInit: status },
              });
              return { agentReadyMs: agentReadyMs ?? cloudInitDoneMs, cloudInitDoneMs, status };
            }
            await delay(deps.agentPollMs ?? 2000, undefined, { signal: Context.current().cancellationSignal });
          }
        },
        () => ({ agentReadyMs }),
      );
    },

    async migrateVm(input: MigrateVmInput): Promise<{ durationMs: number; diskCopiedMiB: number | null }> {
      const inventory = await deps.inventory.load(input.fleet);
      const [fromConfig, toConfig] = await Promise.all([deps.inventory.host(input.fleet, input.from), deps.inventory.host(input.fleet, input.to)]);
      const [from, to] = [refOf(fromConfig), refOf(toConfig)];
      const progress = progressForwarder(deps, input, to.name);
      // The adapter itself finds a move an earlier attempt (on a worker that died) already completed.
      return failoverAfterAttempts(() =>
        heartbeating(
          async () => {
            const shared = fromConfig.storage === 'shared' && toConfig.storage === 'shared';
            const sides = shared ? undefined : await Promise.all([storage.pool(from, inventory), storage.pool(to, inventory)]);
            // Between hosts with their own storage, the target gets the base and a fresh empty disk to copy into (unless
            // an earlier attempt already moved the VM there, which the adapter then reports as done).
            const copy =
              sides !== undefined &&
              (await hv.domainState(to, input.domainName)) === null &&
              (await storage.prepareTarget({ host: from, pool: sides[0] }, { host: to, pool: sides[1] }, input.domainName, inventory));
            try {
              const { durationMs } = await hv.migrate({
                domain: input.domainName,
                from,
                to,
                signal: Context.current().cancellationSignal,
                onProgress: progress.report,
                copyStorage: copy,
                tls: inventory.migrationTransport === 'tls',
              });
              // What the copy put on the target is its disk's size there: the progress samples alone miss a copy
              // that finished between two polls.
              const copied = copy && sides ? await hv.volumeInfo(to, sides[1], overlayVolumeOf(input.domainName)).catch(() => null) : null;
              // The VM runs on the target now: the source's copy of its disk is nobody's.
              if (sides) await storage.deleteOwned(from, sides[0], input.domainName);
              recordMigration(durationMs, { fleet: input.fleet, pool: toConfig.pool });
              return { durationMs, diskCopiedMiB: copy ? Math.max(progress.diskMiB(), Math.round((copied?.physicalBytes ?? 0) / MiB)) : null };
            } catch (err) {
              // The VM still runs on the source: the target's partial disk goes (if the target can be reached at all).
              if (copy && sides && (await hv.domainState(to, input.domainName).catch(() => undefined)) === null) {
                await storage.deleteOwned(to, sides[1], input.domainName).catch(() => undefined);
              }
              throw err;
            }
          },
          () => ({ percent: progress.percent() }),
        ),
      );
    },

    /**
     * Destroys and undefines the VM's domain on the host (never another VM's of the same name), and deletes its own
     * volumes there (disk, seed), unless the host's pool is shared with a host where the VM still runs.
     */
    async destroyVm(input: DestroyVmInput): Promise<DestroyVmResult> {
      const inventory = await deps.inventory.load(input.fleet);
      const config = await deps.inventory.host(input.fleet, input.host);
      const host = refOf(config);
      return heartbeating(() =>
        classified(async () => {
          const { existed, anotherRun } = await hv.destroy(host, input.domainName, { vmId: input.vmId, ...(input.firstRunId !== undefined && { firstRunId: input.firstRunId }) });
          if (anotherRun) return { existed, anotherRun, volumes: [] };
          if (config.storage === 'shared' && (await runsOnSharedPeer(inventory, config.name, input.domainName))) return { existed, volumes: [] };
          const volumes = await storage.deleteOwned(host, poolOf(inventory), input.domainName);
          return { existed, volumes };
        }),
      );
    },

    locateVm: (input: LocateVmInput): Promise<LocateVmResult> =>
      heartbeating(async () => {
        const inventory = await deps.inventory.load(input.fleet);
        return locate(hv, inventory, input, (host) => storage.owned(host, poolOf(inventory), input.domainName));
      }),
  };

  /** Whether another host of the shared pool holds the domain (or cannot be asked: then its disk must stay too). */
  async function runsOnSharedPeer(inventory: Inventory, except: string, domainName: string): Promise<boolean> {
    const peers = inventory.hosts.filter((h) => h.storage === 'shared' && h.name !== except);
    const states = await Promise.all(peers.map((peer) => hv.domainState(refOf(peer), domainName).catch(() => 'unknown' as const)));
    return states.some((state) => state !== null);
  }

  /**
   * For a cloud image: the base cached on the host, a fresh disk of the VM's own over it, and the seed. A retry that
   * finds the domain defined already keeps what it has (the disk the guest may be writing, the seed it may be reading).
   */
  async function bootImage(input: DefineAndStartVmInput, spec: VmSpec, inventory: Inventory, host: HostRef): Promise<DomainSpec['image'] | undefined> {
    if (spec.image.kind !== 'cloud') return undefined;
    const pool = await storage.pool(host, inventory);
    if ((await hv.domainState(host, input.domainName)) !== null) {
      return { kind: 'disk', disk: path.posix.join(pool.path, overlayVolumeOf(input.domainName)), seed: path.posix.join(pool.path, seedVolumeOf(input.domainName)) };
    }
    const base = await storage.base(inventory, spec.image.volume);
    await storage.ensureBase(host, pool, base);
    const disk = await storage.freshDisk(host, pool, { domainName: input.domainName, base: base.volume, diskGiB: spec.image.diskGiB });
    const phoneHome = spec.bootSignal === 'phone-home';
    const url = deps.bootCallback.url(input.workflowId);
    const seed = cloudInitSeed({
      vmId: input.vmId,
      hostname: spec.name,
      ...(spec.image.userData !== undefined && { userData: spec.image.userData }),
      ...(phoneHome && { phoneHomeUrl: `${url}?token=${encodeURIComponent(bootToken(input, deps))}` }),
    });
    return { kind: 'disk', disk, seed: await storage.uploadSeed(host, pool, input.domainName, seed) };
  }
}

/** The guest's token: this run of the VM's provisioning (the activity's own workflow run) and this boot's nonce. */
function bootToken(input: DefineAndStartVmInput, deps: VmActivityDeps): string {
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('defineAndStartVm runs only as an activity of a workflow run');
  return deps.bootCallback.token({ workflowId: input.workflowId, runId, nonce: input.bootNonce });
}

/** Inputs reach activities from workflow history; the spec is checked again here, where it is used. */
function parsedSpec(raw: unknown): VmSpec {
  try {
    return parseVmSpec(raw);
  } catch (err) {
    if (err instanceof VmSpecError) throw invalidVmSpec(err.issues.map((line) => ({ path: line.split(':')[0] ?? '', rule: line.slice(line.indexOf(':') + 2) })));
    throw err;
  }
}

/** cloud-init writes this when its last stage is over, with the errors it met; it is absent until then. */
export const CLOUD_INIT_RESULT = '/run/cloud-init/result.json';

/**
 * Whether cloud-init is done ('done', or 'error' when it reported errors), read through the guest agent from its
 * result file: undefined while it runs. Reading a file starts nothing in the guest; running `cloud-init status`
 * every few seconds (a Python process) took the guest's only vCPU under TCG and slowed its boot by seconds.
 */
async function cloudInitResult(hv: Hypervisor, host: HostRef, domain: string): Promise<'done' | 'error' | undefined> {
  const agent = (command: string, args: Record<string, unknown>) => classified(() => hv.agentCommand(host, domain, { execute: command, arguments: args }));
  const handle = (await agent('guest-file-open', { path: CLOUD_INIT_RESULT, mode: 'r' }).catch((err: unknown) => {
    if (err instanceof Error && /No such file|not found/i.test(err.message)) return undefined;
    throw err;
  })) as number | undefined;
  if (handle === undefined) return undefined;
  try {
    let text = '';
    for (let eof = false; !eof && text.length < 1_000_000; ) {
      const chunk = (await agent('guest-file-read', { handle, count: 65536 })) as { 'buf-b64'?: string; eof: boolean };
      text += Buffer.from(chunk['buf-b64'] ?? '', 'base64').toString('utf8');
      eof = chunk.eof;
    }
    const result = JSON.parse(text) as { v1?: { errors?: unknown[] } };
    return (result.v1?.errors?.length ?? 0) > 0 ? 'error' : 'done';
  } finally {
    await agent('guest-file-close', { handle }).catch(() => undefined);
  }
}

/** Where a domain and its volumes are, host by host; a host that cannot be asked is listed as unreachable. */
async function locate(
  hv: Hypervisor,
  inventory: Inventory,
  input: LocateVmInput,
  ownedOn: (host: HostRef) => Promise<string[]>,
): Promise<LocateVmResult> {
  const names = input.hosts ?? inventory.hosts.map((h) => h.name);
  const result: LocateVmResult = { found: [], volumes: [], unreachable: [] };
  for (const name of names) {
    const config = inventory.hosts.find((h) => h.name === name);
    if (!config) throw ApplicationFailure.nonRetryable(`unknown host "${name}" in fleet "${inventory.fleet}"`, Failure.UnknownHost);
    const host: HostRef = { name, uri: config.uri, migrationAddress: config.migrationAddress, domainType: config.domainType };
    const asked = await classified(async () => ({ state: await hv.domainState(host, input.domainName), volumes: await ownedOn(host) })).catch((err: unknown) => {
      // Permanent failures (a bad name, an unknown host) are real errors; anything else means "cannot tell".
      if (err instanceof ApplicationFailure && err.nonRetryable) throw err;
      result.unreachable.push(name);
      return undefined;
    });
    if (asked?.state) result.found.push({ host: name, state: asked.state.state, ...(asked.state.reason && { reason: asked.state.reason }) });
    for (const volume of asked?.volumes ?? []) result.volumes.push({ host: name, name: volume });
  }
  return result;
}

function domainSpec(input: DefineAndStartVmInput, spec: VmSpec, cloud: DomainSpec['image'] | undefined, deps: VmActivityDeps): DomainSpec {
  const image: DomainSpec['image'] =
    spec.image.kind === 'kernel'
      ? {
          kind: 'kernel',
          kernel: spec.image.kernel,
          initrd: spec.image.initrd,
          cmdline: [
            spec.image.cmdline,
            guestCmdline({ url: deps.bootCallback.url(input.workflowId), token: bootToken(input, deps), id: input.vmId }),
          ]
            .filter(Boolean)
            .join(' '),
        }
      : cloud!;
  return {
    name: input.domainName,
    uuid: input.uuid,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    image,
    ...(spec.bootSignal === 'guest-agent' && { guestAgent: true }),
    ...(deps.consoleDir && { consoleLog: path.join(deps.consoleDir, `${input.domainName}.log`) }),
    metadata: { vmId: input.vmId, workflowId: input.workflowId, fleet: input.fleet, ...(input.firstRunId !== undefined && { firstRunId: input.firstRunId }) },
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

/**
 * The move's duration, here where it is known to have succeeded, rather than in provisionVm: the workflow task that
 * would record it there also completes the run, and is retried (its code run again) when a signal lands meanwhile.
 */
function recordMigration(durationMs: number, labels: LabelsOf<typeof METRICS.migrationDuration>): void {
  const { name, unit, description } = METRICS.migrationDuration;
  Context.current().metricMeter.createHistogram(name, 'float', unit, description).record(durationMs / 1000, labels);
}

/** Forwards a migration's progress to its workflow (for status queries), at most once per interval. */
function progressForwarder(deps: VmActivityDeps, input: MigrateVmInput, target: string) {
  let last: MigrationProgress = { percent: 0, elapsedMs: 0 };
  let lastReport = 0;
  return {
    percent: () => last.percent,
    diskMiB: () => last.diskProcessedMiB ?? last.diskTotalMiB ?? 0,
    report: (p: MigrationProgress) => {
      last = p;
      if (Date.now() - lastReport < (deps.progressIntervalMs ?? 2000)) return;
      lastReport = Date.now();
      const disk = p.diskTotalMiB !== undefined ? { diskProcessedMiB: p.diskProcessedMiB ?? 0, diskTotalMiB: p.diskTotalMiB } : {};
      const data = p.dataProcessedMiB !== undefined ? { dataProcessedMiB: p.dataProcessedMiB, elapsedMs: p.elapsedMs } : {};
      deps.workflows.signalMigrationProgress(input.workflowId, { target, percent: p.percent, attempt: input.attempt, ...disk, ...data }).catch(() => undefined);
    },
  };
}
