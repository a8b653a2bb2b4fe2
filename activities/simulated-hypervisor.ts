// A fake Hypervisor, in memory: workflow tests, the worker's test harness and benchmarks (1,000 VMs) run against it
// instead of libvirt. It keeps the libvirt adapter's contract (same input checks, idempotency and error types) and
// adds knobs real hosts lack: boot and migration durations on an injectable clock, and injected failures.
import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../domain';
import {
  HypervisorError,
  type DomainSpec,
  type DomainState,
  type HostRef,
  type Hypervisor,
  type MigrateRequest,
  type MigrationProgress,
} from './hypervisor';
import { checkDomainName, checkDomainSpec, checkHost } from './libvirt/validate';

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
}

export type SimulatedSnapshot = Record<string, { uri: string; domains: SimulatedDomain[] }>;

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
}

interface DomainRecord extends SimulatedDomain {
  host: Host;
  run: number;
  migrating: boolean;
}

type Options = SimulatedHypervisorOptions & { clock: SimulatedClock };

function view(record: DomainRecord): SimulatedDomain {
  const { name, uuid, vcpus, memoryMiB, state, metadata, startedAt, bootedAt } = record;
  const copy = { name, uuid, vcpus, memoryMiB, state: { ...state }, startedAt, bootedAt };
  return metadata ? { ...copy, metadata: { ...metadata } } : copy;
}

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
      this.hosts.set(host.uri, { ref, cpus: host.cpus ?? 2, memoryMiB: host.memoryMiB ?? 4096, domains: new Map() });
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
      const { name, vcpus, memoryMiB, metadata } = spec;
      const state: DomainState = { state: 'shut off' };
      record = { name, uuid: spec.uuid.toLowerCase(), vcpus, memoryMiB, state, host, run: 0, migrating: false };
      if (metadata) record.metadata = { ...metadata };
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
    record.migrating = true;
    try {
      await this.transfer(record, to, request, started);
    } finally {
      record.migrating = false;
    }
    return { durationMs: this.opts.clock.now() - started };
  }

  async destroy(hostRef: HostRef, domain: string): Promise<{ existed: boolean }> {
    const host = this.enter({ op: 'destroy', host: hostRef, domain });
    const record = host.domains.get(domain);
    if (!record) return { existed: false };
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
      hosts[host.ref.name] = { uri: host.ref.uri, domains: [...host.domains.values()].map(view) };
    }
    return hosts;
  }

  restore(snapshot: SimulatedSnapshot): void {
    for (const [name, saved] of Object.entries(snapshot)) {
      const host = this.hosts.get(saved.uri);
      if (!host || host.ref.name !== name) continue;
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
    if (!onBooted) return;
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
      const dataRemainingMiB = record.memoryMiB * (1 - percent / 100);
      report(request, { percent, dataRemainingMiB, elapsedMs: clock.now() - started });
    }
    if (failure) throw failure;
    record.host.domains.delete(record.name);
    record.host = to;
    record.state = { state: 'running', reason: 'migrated' };
    to.domains.set(record.name, record);
  }
}

export function createSimulatedHypervisor(options: SimulatedHypervisorOptions): SimulatedHypervisor {
  return new Simulation({ ...options, clock: options.clock ?? realClock });
}
