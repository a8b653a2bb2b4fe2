// A fake Hypervisor, in memory: workflow tests, the worker's test harness and benchmarks (1,000 VMs) run against it
// instead of libvirt. It keeps the libvirt adapter's contract (same input checks, idempotency and error types, and
// libvirt's storage rules as measured: no volume created twice, an incremental disk copy only into a pre-created
// volume of the same size over a base the target has) and adds knobs real hosts lack: boot and migration durations
// on an injectable clock, and injected failures.
import { closeSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Failure, ownershipOf, type DomainOwner } from '../domain';
import {
  HypervisorError,
  type DomainSpec,
  type DomainState,
  type HostRef,
  type Hypervisor,
  type MigrateRequest,
  type MigrationProgress,
  type PoolRef,
  type VolumeInfo,
  type VolumeSpec,
} from './hypervisor';
import { readImageFacts } from './images';
import { checkDomainName, checkDomainSpec, checkHost, checkPool, checkVolumeName } from './libvirt/validate';

export interface SimulatedClock {
  now(): number;
  /** Rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// Unref'd: a pending simulated boot or migration must not keep a worker that is shutting down alive.
export const realClock: SimulatedClock = { now: () => Date.now(), sleep: (ms, signal) => delay(ms, undefined, { signal, ref: false }) };

export interface SimulatedHypervisorOptions {
  hosts: Array<{ name: string; uri: string; cpus?: number; memoryMiB?: number }>;
  /** Time from start to boot complete (default 0). */
  bootDurationMs?: number;
  migrationDurationMs?: number;
  /** Time between two migration progress reports (default 1000). */
  progressIntervalMs?: number;
  clock?: SimulatedClock;
  /** Called when a started guest's boot completes, as a real guest would phone home. */
  onBooted?: (domainName: string, host: HostRef) => void;
}

export type SimulatedOp = keyof Hypervisor;

export interface SimulatedCall {
  op: SimulatedOp;
  host?: HostRef;
  domain?: string;
  spec?: DomainSpec;
  request?: MigrateRequest;
}

export interface SimulatedDomain {
  name: string;
  uuid: string;
  vcpus: number;
  memoryMiB: number;
  state: DomainState;
  metadata?: Record<string, string>;
  startedAt?: number;
  /** When the current run's boot completes (startedAt + boot duration). */
  bootedAt?: number;
  /** Device -> volume path (null: an empty cdrom). */
  disks?: Record<string, string | null>;
  guestAgent?: boolean;
}

export type SimulatedSnapshot = Record<string, { uri: string; domains: SimulatedDomain[]; volumes?: VolumeInfo[] }>;

export interface SimulatedHypervisor extends Hypervisor {
  /** The next `n` migrations to host `toHostName` fail (transient MigrationFailed) half way through. */
  failNextMigrations(toHostName: string, n: number, error?: Error): void;
  /** The next `n` defineAndStart calls fail (transient) before touching anything. */
  failDefine(n: number, error?: Error): void;
  /** Every call of `op` for which `predicate` returns an error fails with it, until the returned function is called. */
  inject(op: SimulatedOp, predicate: (call: SimulatedCall) => Error | undefined): () => void;
  /** Changes a domain's state as the guest or an operator would (e.g. a crash: `shut off`, reason `crashed`). */
  setDomainState(hostName: string, domain: string, state: DomainState): void;
  snapshot(): SimulatedSnapshot;
  /**
   * Puts back domains from a snapshot (a simulated fleet that outlives one worker process). Guests that had not
   * phoned home yet do so when their boot completes; those that had do so again, as a real guest retries until
   * answered (bootshift ignores a boot-complete signal it no longer needs).
   */
  restore(snapshot: SimulatedSnapshot): void;
}

interface Host {
  ref: HostRef;
  cpus: number;
  memoryMiB: number;
  domains: Map<string, DomainRecord>;
  /** By path: one pool per host in practice, and a domain names its disks by path. */
  volumes: Map<string, VolumeInfo>;
}

interface DomainRecord extends SimulatedDomain {
  host: Host;
  run: number;
  migrating: boolean;
}

type Options = SimulatedHypervisorOptions & { clock: SimulatedClock };

function view(record: DomainRecord): SimulatedDomain {
  const { name, uuid, vcpus, memoryMiB, state, metadata, startedAt, bootedAt, disks, guestAgent } = record;
  const copy = { name, uuid, vcpus, memoryMiB, state: { ...state }, startedAt, bootedAt, ...(disks && { disks: { ...disks } }), ...(guestAgent && { guestAgent }) };
  return metadata ? { ...copy, metadata: { ...metadata } } : copy;
}

const volumePath = (pool: PoolRef, name: string) => `${pool.path.replace(/\/+$/, '')}/${name}`;

// As in the libvirt adapter, a failing progress listener must not fail the migration it watches.
function report(request: MigrateRequest, progress: MigrationProgress): void {
  try {
    request.onProgress?.(progress);
  } catch {
    // ignored
  }
}

const error = (message: string, type: string, permanent: boolean) => new HypervisorError(message, type, permanent);

class Simulation implements SimulatedHypervisor {
  private readonly hosts = new Map<string, Host>();
  private readonly injected = new Set<{ op: SimulatedOp; predicate: (call: SimulatedCall) => Error | undefined }>();
  private readonly migrationFailures = new Map<string, Error[]>();
  private defineFailures: Error[] = [];

  constructor(private readonly opts: Options) {
    for (const host of opts.hosts) {
      const ref = checkHost({ name: host.name, uri: host.uri });
      this.hosts.set(host.uri, { ref, cpus: host.cpus ?? 2, memoryMiB: host.memoryMiB ?? 4096, domains: new Map(), volumes: new Map() });
    }
  }

  async defineAndStart(hostRef: HostRef, spec: DomainSpec): Promise<{ created: boolean; state: DomainState }> {
    const host = this.enter({ op: 'defineAndStart', host: hostRef, spec });
    checkDomainSpec(spec);
    const failure = this.defineFailures.shift();
    if (failure) throw failure;
    let record = host.domains.get(spec.name);
    if (record && record.uuid !== spec.uuid.toLowerCase()) {
      const message = `a different domain named ${spec.name} (uuid ${record.uuid}) already exists on ${host.ref.name}`;
      throw error(message, Failure.DomainConflict, true);
    }
    const created = !record;
    if (!record) {
      const { name, vcpus, memoryMiB, metadata, image } = spec;
      const disks = image.kind === 'disk' ? { vda: image.disk, ...(image.seed && { hdc: image.seed }) } : undefined;
      // As libvirt's define --validate: every disk's file must be there.
      for (const file of Object.values(disks ?? {})) {
        if (!host.volumes.has(file)) throw error(`Cannot access storage file '${file}': No such file or directory`, Failure.DomainRejected, true);
      }
      const state: DomainState = { state: 'shut off' };
      record = { name, uuid: spec.uuid.toLowerCase(), vcpus, memoryMiB, state, host, run: 0, migrating: false };
      if (metadata) record.metadata = { ...metadata };
      if (disks) record.disks = disks;
      if (spec.guestAgent) record.guestAgent = true;
      host.domains.set(name, record);
    }
    if (record.state.state === 'shut off') this.start(record);
    return { created, state: { ...record.state } };
  }

  async migrate(request: MigrateRequest): Promise<{ durationMs: number }> {
    const from = this.enter({ op: 'migrate', host: request.from, domain: request.domain, request });
    const to = this.host(request.to);
    const started = this.opts.clock.now();
    if (from === to) throw error(`${request.domain}: source and target are the same host`, Failure.MigrationFailed, true);
    if (request.signal?.aborted) {
      throw error(`migration of ${request.domain} cancelled before it started`, Failure.Cancelled, true);
    }
    const record = from.domains.get(request.domain);
    const target = to.domains.get(request.domain);
    if (!record && target?.state.state === 'running') return { durationMs: 0 };
    if (!record) throw error(`${request.domain} is not on ${from.ref.name}`, Failure.DomainNotFound, true);
    if (target || record.state.state !== 'running') {
      const message = `cannot live-migrate ${request.domain} from ${from.ref.name} to ${to.ref.name}`;
      throw error(message, Failure.MigrationFailed, true);
    }
    if (record.migrating) {
      const message = `Timed out during operation: cannot acquire state change lock (${request.domain})`;
      throw error(message, Failure.HypervisorUnavailable, false);
    }
    this.checkStorageFor(record, from, to, request.copyStorage === true);
    record.migrating = true;
    try {
      await this.transfer(record, to, request, started);
    } finally {
      record.migrating = false;
    }
    return { durationMs: this.opts.clock.now() - started };
  }

  async destroy(hostRef: HostRef, domain: string, owner?: DomainOwner): Promise<{ existed: boolean; anotherRun?: true }> {
    const host = this.enter({ op: 'destroy', host: hostRef, domain });
    const record = host.domains.get(domain);
    if (!record) return { existed: false };
    const ownership = owner === undefined ? 'ours' : ownershipOf(record.metadata, owner);
    if (ownership === 'another-run') return { existed: false, anotherRun: true };
    if (ownership === 'another-vm') {
      throw error(`domain ${domain} on ${host.ref.name} belongs to ${record.metadata?.vmId ?? 'no bootshift VM'}, not ${owner!.vmId}: left alone`, Failure.DomainConflict, true);
    }
    host.domains.delete(domain);
    record.run += 1; // a pending boot completion or migration of this run no longer applies
    return { existed: true };
  }

  async domainState(hostRef: HostRef, domain: string): Promise<DomainState | null> {
    const record = this.enter({ op: 'domainState', host: hostRef, domain }).domains.get(domain);
    return record ? { ...record.state } : null;
  }

  async listDomains(hostRef: HostRef): ReturnType<Hypervisor['listDomains']> {
    const host = this.enter({ op: 'listDomains', host: hostRef });
    const listed = ({ name, state, metadata, vcpus, memoryMiB }: SimulatedDomain) => ({ name, state, vcpus, memoryMiB, ...(metadata && { metadata }) });
    return [...host.domains.values()].map(view).map(listed);
  }

  async hostFacts(hostRef: HostRef): Promise<{ cpus: number; memoryMiB: number }> {
    const host = this.enter({ op: 'hostFacts', host: hostRef });
    return { cpus: host.cpus, memoryMiB: host.memoryMiB };
  }

  async ensurePool(hostRef: HostRef, pool: PoolRef): Promise<{ path: string }> {
    this.enter({ op: 'ensurePool', host: hostRef });
    return { path: checkPool(pool).path };
  }

  async volumeInfo(hostRef: HostRef, pool: PoolRef, name: string): Promise<VolumeInfo | null> {
    const host = this.enter({ op: 'volumeInfo', host: hostRef });
    const volume = host.volumes.get(volumePath(pool, checkVolumeName(name)));
    return volume ? { ...volume } : null;
  }

  async listVolumes(hostRef: HostRef, pool: PoolRef): Promise<string[]> {
    const host = this.enter({ op: 'listVolumes', host: hostRef });
    const prefix = volumePath(pool, '');
    return [...host.volumes.values()].filter((v) => v.path.startsWith(prefix)).map((v) => v.name).sort();
  }

  async createVolume(hostRef: HostRef, pool: PoolRef, spec: VolumeSpec): Promise<void> {
    const host = this.enter({ op: 'createVolume', host: hostRef });
    const path = volumePath(pool, checkVolumeName(spec.name));
    if (host.volumes.has(path)) throw error(`volume ${spec.name} already exists in pool ${pool.name} on ${host.ref.name}`, Failure.VolumeConflict, true);
    if (spec.backingVolume !== undefined && !host.volumes.has(volumePath(pool, spec.backingVolume))) {
      throw error(`inaccessible backing store volume ${volumePath(pool, spec.backingVolume)}`, Failure.DomainRejected, true);
    }
    // A fresh qcow2 file is a header; a fresh raw one is empty.
    const physicalBytes = spec.format === 'qcow2' ? 196_616 : 0;
    const backing = spec.backingVolume !== undefined ? { backingVolume: spec.backingVolume } : {};
    host.volumes.set(path, { name: spec.name, path, format: spec.format, capacityBytes: spec.capacityBytes, physicalBytes, ...backing });
  }

  async deleteVolume(hostRef: HostRef, pool: PoolRef, name: string): Promise<{ existed: boolean }> {
    const host = this.enter({ op: 'deleteVolume', host: hostRef });
    return { existed: host.volumes.delete(volumePath(pool, checkVolumeName(name))) };
  }

  async uploadVolume(hostRef: HostRef, pool: PoolRef, name: string, file: string): Promise<void> {
    const host = this.enter({ op: 'uploadVolume', host: hostRef });
    const volume = host.volumes.get(volumePath(pool, checkVolumeName(name)));
    if (!volume) throw error(`Storage volume not found: no storage vol with matching name '${name}'`, Failure.DomainNotFound, true);
    // As a dir pool does: the format and size are probed from what was written.
    Object.assign(volume, readImageFacts(file));
  }

  async downloadVolume(hostRef: HostRef, pool: PoolRef, name: string, file: string): Promise<void> {
    const host = this.enter({ op: 'downloadVolume', host: hostRef });
    const volume = host.volumes.get(volumePath(pool, checkVolumeName(name)));
    if (!volume) throw error(`Storage volume not found: no storage vol with matching name '${name}'`, Failure.DomainNotFound, true);
    // A sparse file of the volume's size stands in for its bytes (a qcow2 header first, so it probes alike).
    writeFileSync(file, '', { mode: 0o600 });
    truncateSync(file, volume.physicalBytes);
    if (volume.format === 'qcow2') {
      const header = Buffer.alloc(32);
      header.writeUInt32BE(0x514649fb, 0);
      header.writeBigUInt64BE(BigInt(volume.capacityBytes), 24);
      const fd = openSync(file, 'r+');
      try {
        writeSync(fd, header, 0, 32, 0);
      } finally {
        closeSync(fd);
      }
    }
  }

  async ejectMedia(hostRef: HostRef, domain: string, device: string): Promise<{ ejected: boolean }> {
    const record = this.enter({ op: 'ejectMedia', host: hostRef, domain }).domains.get(domain);
    if (!record) throw error(`Domain not found: no domain with matching name '${domain}'`, Failure.DomainNotFound, true);
    if (!record.disks || !Object.hasOwn(record.disks, device)) throw error(`${domain} has no device ${device}`, Failure.DomainRejected, true);
    if (record.disks[device] === null) return { ejected: false };
    record.disks[device] = null;
    return { ejected: true };
  }

  async agentCommand(hostRef: HostRef, domain: string, command: { execute: string; arguments?: Record<string, unknown> }): Promise<unknown> {
    const record = this.enter({ op: 'agentCommand', host: hostRef, domain }).domains.get(domain);
    if (!record) throw error(`Domain not found: no domain with matching name '${domain}'`, Failure.DomainNotFound, true);
    const up = record.guestAgent && record.state.state === 'running' && this.opts.clock.now() >= (record.bootedAt ?? Infinity);
    if (!up) throw error('Guest agent is not responding: QEMU guest agent is not connected', Failure.HypervisorUnavailable, false);
    // A guest whose boot is complete: the agent answers, and cloud-init's result file says done.
    if (command.execute === 'guest-file-open') return 1;
    if (command.execute === 'guest-file-read') return { count: 22, 'buf-b64': Buffer.from(JSON.stringify({ v1: { errors: [] } })).toString('base64'), eof: true };
    return {};
  }

  failNextMigrations(toHostName: string, n: number, failure?: Error): void {
    const list = this.migrationFailures.get(toHostName) ?? [];
    const injected = () => error(`injected migration failure to ${toHostName}`, Failure.MigrationFailed, false);
    for (let i = 0; i < n; i++) list.push(failure ?? injected());
    this.migrationFailures.set(toHostName, list);
  }

  failDefine(n: number, failure?: Error): void {
    const injected = () => error('injected define failure', Failure.HypervisorUnavailable, false);
    for (let i = 0; i < n; i++) this.defineFailures.push(failure ?? injected());
  }

  inject(op: SimulatedOp, predicate: (call: SimulatedCall) => Error | undefined): () => void {
    const entry = { op, predicate };
    this.injected.add(entry);
    return () => void this.injected.delete(entry);
  }

  setDomainState(hostName: string, domain: string, state: DomainState): void {
    const record = [...this.hosts.values()].find((h) => h.ref.name === hostName)?.domains.get(domain);
    if (!record) throw new Error(`no domain ${domain} on simulated host ${hostName}`);
    record.state = { ...state };
    if (state.state !== 'running') record.run += 1;
  }

  snapshot(): SimulatedSnapshot {
    const hosts: SimulatedSnapshot = {};
    for (const host of this.hosts.values()) {
      const volumes = [...host.volumes.values()].map((v) => ({ ...v }));
      hosts[host.ref.name] = { uri: host.ref.uri, domains: [...host.domains.values()].map(view), volumes };
    }
    return hosts;
  }

  restore(snapshot: SimulatedSnapshot): void {
    for (const [name, saved] of Object.entries(snapshot)) {
      const host = this.hosts.get(saved.uri);
      if (!host || host.ref.name !== name) continue;
      for (const volume of saved.volumes ?? []) host.volumes.set(volume.path, { ...volume });
      for (const domain of saved.domains) {
        const record: DomainRecord = { ...domain, state: { ...domain.state }, host, run: 1, migrating: false };
        host.domains.set(domain.name, record);
        if (record.state.state === 'running') this.phoneHomeAt(record, domain.bootedAt ?? this.opts.clock.now());
      }
    }
  }

  /** Checks the call as the libvirt adapter would, then applies injected failures; returns the host. */
  private enter(call: SimulatedCall): Host {
    const host = this.host(call.host as HostRef);
    if (call.domain !== undefined) checkDomainName(call.domain);
    for (const { op, predicate } of this.injected) {
      const failure = op === call.op ? predicate(call) : undefined;
      if (failure) throw failure;
    }
    return host;
  }

  private host(ref: HostRef): Host {
    checkHost(ref);
    const host = this.hosts.get(ref.uri);
    if (!host) throw error(`unknown host ${ref.name} (${ref.uri})`, Failure.UnknownHost, true);
    return host;
  }

  /** libvirt's rules, as measured: shared storage needs the disks on the target already; a copy needs them pre-made. */
  private checkStorageFor(record: DomainRecord, from: Host, to: Host, copy: boolean): void {
    for (const [device, file] of Object.entries(record.disks ?? {})) {
      if (file === null) continue;
      const target = to.volumes.get(file);
      const fail = (why: string) => {
        throw error(`cannot live-migrate ${record.name} to ${to.ref.name}: ${why}`, Failure.MigrationFailed, true);
      };
      if (copy && device !== 'vda') fail(`Cannot access storage file '${file}': No such file or directory`);
      if (!copy && !target) fail(`Cannot access storage file '${file}': No such file or directory`);
      if (!copy) continue;
      if (!target) fail('Operation not supported: pre-creation of storage targets for incremental storage migration is not supported');
      const source = from.volumes.get(file);
      if (source && target!.capacityBytes !== source.capacityBytes) fail('migration of disk vda failed: Source and target image have different sizes');
      const base = source?.backingVolume;
      if (base && ![...to.volumes.values()].some((v) => v.name === base)) fail(`Cannot access backing file of storage file '${file}'`);
    }
  }

  private start(record: DomainRecord): void {
    const { clock, bootDurationMs = 0 } = this.opts;
    record.run += 1;
    record.state = { state: 'running', reason: 'booted' };
    record.startedAt = clock.now();
    record.bootedAt = record.startedAt + bootDurationMs;
    this.phoneHomeAt(record, record.bootedAt);
  }

  private phoneHomeAt(record: DomainRecord, at: number): void {
    const { clock, onBooted } = this.opts;
    // A guest told to report through its agent has no phone_home to run.
    if (!onBooted || record.guestAgent) return;
    const run = record.run;
    // The guest phones home from wherever it runs by then, unless this run of it ended first.
    void clock.sleep(Math.max(0, at - clock.now())).then(() => {
      if (record.run === run && record.host.domains.get(record.name) === record) onBooted(record.name, record.host.ref);
    }).catch(() => undefined);
  }

  private async transfer(record: DomainRecord, to: Host, request: MigrateRequest, started: number): Promise<void> {
    const { clock, migrationDurationMs = 0, progressIntervalMs = 1000 } = this.opts;
    const failure = this.migrationFailures.get(to.ref.name)?.shift();
    const stopAt = failure ? migrationDurationMs / 2 : migrationDurationMs;
    const run = record.run;
    for (let elapsed = 0; elapsed < stopAt; ) {
      const step = Math.min(progressIntervalMs, stopAt - elapsed);
      try {
        await clock.sleep(step, request.signal);
      } catch {
        const message = `migration of ${request.domain} cancelled; it runs on ${record.host.ref.name}`;
        throw error(message, Failure.Cancelled, true);
      }
      elapsed += step;
      if (record.run !== run) throw error(`${request.domain} went away during its migration`, Failure.DomainNotFound, true);
      const percent = (elapsed / migrationDurationMs) * 100;
      const dataProcessedMiB = record.memoryMiB * (percent / 100);
      report(request, { percent, dataProcessedMiB, dataRemainingMiB: record.memoryMiB - dataProcessedMiB, elapsedMs: clock.now() - started });
    }
    if (failure) throw failure;
    const disk = record.disks?.vda;
    if (request.copyStorage && disk) {
      // The top layer's bytes now fill the target's pre-created volume; the source's stays until someone deletes it.
      const source = record.host.volumes.get(disk);
      const target = to.volumes.get(disk);
      if (source && target) target.physicalBytes = source.physicalBytes;
    }
    record.host.domains.delete(record.name);
    record.host = to;
    record.state = { state: 'running', reason: 'migrated' };
    to.domains.set(record.name, record);
  }
}

export function createSimulatedHypervisor(options: SimulatedHypervisorOptions): SimulatedHypervisor {
  return new Simulation({ ...options, clock: options.clock ?? realClock });
}
