// The embedded environment: a Temporal dev server (with its Web UI), a PostgreSQL cluster for the fleet ledger, the
// lab's libvirt hosts, and the bootshift worker with its boot gateway (and a Prometheus scraping it), all local. `bootshift dev up/down`, the main job and the end-to-end tests start it
// here; everything it starts is recorded in <stateDir>/env.json so `down` stops exactly that, even from another
// process.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';
import { startLab, stopLab } from './lab-hosts';
import { Client, Connection } from '@temporalio/client';
import { newKeyFile, readCodecKeys } from '../worker/payload-codec';
import { dataConverterFor } from '../worker/temporal-connection';
import { labImageDirs } from './tools';
import { isSameProcess, startTimeOf, stopProcesses } from './processes';
import { startPostgres, stopPostgres } from './postgres';
import { startPrometheus } from './prometheus';
import { startDevServer } from './temporal-dev-server';
import { startWorkerProcess, type WorkerProcessOptions } from './worker-process';

export interface DevEnvOptions {
  stateDir: string;
  /** Short path for the lab's sockets; default /tmp/bs-<random>. */
  labDir?: string;
  boot?: number;
  settle?: number;
  ui?: boolean;
  hypervisor?: 'libvirt' | 'simulated';
  /** Keep running after this process exits (`dev up`). */
  detached?: boolean;
  /** Keep Temporal's state in <stateDir>/temporal.db across restarts. */
  persistent?: boolean;
  /** Declared CPUs of each host (default 1). */
  hostCpus?: number;
  workerEnv?: Record<string, string>;
  /** Payload encryption keys to use instead of a new key file of the environment's own (tests that record histories). */
  codecKeyFile?: string;
  /**
   * The worker's Prometheus metrics, scraped by a Prometheus of the environment's own. Default: on for an environment
   * that outlives its caller (`dev up`, the main job), off for tests and benchmarks, which ask when they want it.
   */
  metrics?: boolean;
}

export interface DevEnvRecord {
  stateDir: string;
  taskQueue: string;
  fleet: string;
  inventoryFile: string;
  consoleDir: string;
  labDir: string | null;
  temporal: {
    address: string;
    uiUrl: string | null;
    /** The worker's codec endpoint the UI decodes payloads through. */
    codecEndpoint: string | null;
    pid: number;
    /** With the pid, what makes sure `down` stops this process and no other that got the pid since. */
    startTime?: string;
    binary: string;
    ports: { grpc: number; ui: number; http: number; metrics: number };
  };
  /** The payload encryption keys every client of this environment needs (0600, in the state dir). */
  codecKeyFile: string;
  /** The fleet ledger's PostgreSQL: reached through a private unix socket. */
  ledger: { databaseUrl: string; dataDir: string; pid: number; startTime?: string };
  worker: { pid: number; startTime?: string; gatewayUrl: string; gatewayPort: number; logFile: string; options: WorkerProcessOptions };
  /** The worker's metrics endpoint and the Prometheus scraping it every second (null: metrics off). */
  metrics: { endpoint: string; prometheus: { url: string; pid: number; startTime?: string; dir: string } } | null;
  persistent: boolean;
}

export const envFile = (stateDir: string) => path.join(stateDir, 'env.json');

/**
 * A client of the environment, with its payload encryption keys: the worker seals every payload, so a client without
 * them could start workflows but not read their results. Close the connection when done.
 */
export async function connectDevEnv(record: DevEnvRecord): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: record.temporal.address });
  const dataConverter = dataConverterFor({ codecKeys: readCodecKeys(record.codecKeyFile) });
  return { client: new Client({ connection, ...(dataConverter && { dataConverter }) }), connection };
}

/**
 * What a Pulumi program, the CLI or any client needs in its environment to use this dev environment (the variables
 * the Pulumi provider and the CLI read; `bootshift dev env` prints them).
 */
export function clientEnv(record: DevEnvRecord): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: record.temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    BOOTSHIFT_TASK_QUEUE: record.taskQueue,
    BOOTSHIFT_FLEET: record.fleet,
    BOOTSHIFT_CODEC_KEY_FILE: record.codecKeyFile,
    BOOTSHIFT_DATABASE_URL: record.ledger.databaseUrl,
    ...(record.temporal.uiUrl && { BOOTSHIFT_TEMPORAL_UI: record.temporal.uiUrl }),
  };
}

export function readDevEnv(stateDir: string): DevEnvRecord | undefined {
  const file = envFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevEnvRecord) : undefined;
}

export async function startDevEnv(opts: DevEnvOptions): Promise<DevEnvRecord> {
  const stateDir = path.resolve(opts.stateDir);
  await stopDevEnv(stateDir);
  mkdirSync(stateDir, { recursive: true });
  const secretFile = gatewaySecret(stateDir);
  const codecKeyFile = opts.codecKeyFile ?? codecKeys(stateDir);
  // A simulated fleet is only meaningful together with the Temporal state that knows its VMs.
  if (!opts.persistent) rmSync(path.join(stateDir, 'simulated-fleet.json'), { force: true });
  const ui = opts.ui ?? true;
  const codecEndpoint = ui ? `http://127.0.0.1:${await freePort()}` : null;
  const temporal = await startDevServer({
    ui,
    logFile: path.join(stateDir, 'temporal.log'),
    detached: opts.detached ?? false,
    ...(opts.persistent && { dbFile: path.join(stateDir, 'temporal.db') }),
    ...(codecEndpoint && { codecEndpoint }),
  });
  const record: Partial<DevEnvRecord> = {
    stateDir,
    taskQueue: 'bootshift',
    labDir: null,
    persistent: opts.persistent ?? false,
    codecKeyFile,
    temporal: {
      address: temporal.address,
      uiUrl: temporal.uiUrl ?? null,
      codecEndpoint,
      pid: temporal.pid,
      ...withStartTime(temporal.pid),
      binary: temporal.binary,
      ports: temporal.ports,
    },
  };
  save(stateDir, record);
  try {
    const dataDir = ledgerDataDir(stateDir);
    // The ledger goes with Temporal's state: a fresh one unless the environment is persistent.
    if (!opts.persistent) rmSync(dataDir, { recursive: true, force: true });
    const postgres = await startPostgres({ dataDir, detached: opts.detached ?? false });
    record.ledger = { databaseUrl: postgres.url, dataDir, pid: postgres.pid, ...(postgres.startTime && { startTime: postgres.startTime }) };
    save(stateDir, record);
    const hosts = await startHosts(stateDir, opts);
    Object.assign(record, hosts);
    save(stateDir, record);
    const gatewayPort = await freePort();
    const metricsPort = (opts.metrics ?? opts.detached ?? false) ? await freePort() : null;
    const logFile = path.join(stateDir, 'worker.log');
    const options: WorkerProcessOptions = {
      temporalAddress: temporal.address,
      taskQueue: record.taskQueue!,
      inventoryFile: hosts.inventoryFile,
      hypervisor: opts.hypervisor ?? 'libvirt',
      gatewayPort,
      secretFile,
      logFile,
      consoleDir: hosts.consoleDir,
      detached: opts.detached ?? false,
      extraEnv: {
        BOOTSHIFT_SIM_STATE_FILE: path.join(stateDir, 'simulated-fleet.json'),
        BOOTSHIFT_CODEC_KEY_FILE: codecKeyFile,
        BOOTSHIFT_DATABASE_URL: postgres.url,
        ...(codecEndpoint && temporal.uiUrl && { BOOTSHIFT_CODEC_LISTEN: new URL(codecEndpoint).host, BOOTSHIFT_CODEC_UI_ORIGIN: temporal.uiUrl }),
        ...(metricsPort && { BOOTSHIFT_METRICS_LISTEN: `127.0.0.1:${metricsPort}` }),
        ...opts.workerEnv,
      },
    };
    const worker = await startWorkerProcess(options);
    record.worker = { pid: worker.pid, ...withStartTime(worker.pid), gatewayUrl: worker.gatewayUrl, gatewayPort, logFile, options };
    save(stateDir, record);
    record.metrics = metricsPort ? await startMetrics(stateDir, metricsPort, opts) : null;
    save(stateDir, record);
    return record as DevEnvRecord;
  } catch (err) {
    await stopDevEnv(stateDir);
    throw err;
  }
}

/** A Prometheus scraping the worker, with its history kept like Temporal's: only in a persistent environment. */
async function startMetrics(stateDir: string, workerPort: number, opts: DevEnvOptions): Promise<NonNullable<DevEnvRecord['metrics']>> {
  const dir = path.join(stateDir, 'prometheus');
  if (!opts.persistent) rmSync(dir, { recursive: true, force: true });
  const prometheus = await startPrometheus({ dir, targets: [`127.0.0.1:${workerPort}`], detached: opts.detached ?? false });
  return {
    endpoint: `http://127.0.0.1:${workerPort}/metrics`,
    prometheus: { url: prometheus.url, pid: prometheus.pid, ...(prometheus.startTime && { startTime: prometheus.startTime }), dir },
  };
}

async function startHosts(stateDir: string, opts: DevEnvOptions): Promise<Pick<DevEnvRecord, 'fleet' | 'inventoryFile' | 'consoleDir' | 'labDir'>> {
  const boot = opts.boot ?? 2;
  const settle = opts.settle ?? 1;
  if ((opts.hypervisor ?? 'libvirt') === 'simulated') {
    const inventoryFile = path.join(stateDir, 'inventory.yaml');
    const hosts = [...Array(boot + settle).keys()].map((i) => {
      const pool = i < boot ? 'boot' : 'settle';
      const name = `${pool}-${i < boot ? i + 1 : i - boot + 1}`;
      const cpus = opts.hostCpus ?? 1;
      return { name, uri: `test:///simulated/${name}`, cpus, memoryMiB: 1024 * cpus, pool, ...(pool === 'settle' && { cpuAllocationRatio: 4 }) };
    });
    // Simulated guests boot nothing: kernel paths under /sim are placeholders the simulation accepts.
    writeFileSync(inventoryFile, stringify({ fleet: 'lab', imageDirs: ['/sim', ...labImageDirs()], hosts }));
    return { fleet: 'lab', inventoryFile, consoleDir: path.join(stateDir, 'consoles'), labDir: null };
  }
  const labDir = opts.labDir ?? `/tmp/bs-${randomBytes(3).toString('hex')}`;
  const lab = await startLab({ dir: labDir, boot, settle, ...(opts.hostCpus && { hostCpus: opts.hostCpus, hostMemoryMiB: 1024 * opts.hostCpus }) });
  const consoleDir = path.join(lab.sharedDir, 'consoles');
  mkdirSync(consoleDir, { recursive: true });
  return { fleet: 'lab', inventoryFile: lab.inventoryPath, consoleDir, labDir: lab.dir };
}

/** Stops what `startDevEnv` recorded in stateDir (Prometheus, worker, lab, Temporal), checking each pid is still ours. */
export async function stopDevEnv(stateDir: string): Promise<boolean> {
  const record = readDevEnv(stateDir) as Partial<DevEnvRecord> | undefined;
  if (!record) return false;
  const ours = (process: { pid: number; startTime?: string } | undefined) => (process && isSameProcess(process.pid, process.startTime) ? [process.pid] : []);
  await stopProcesses(ours(record.metrics?.prometheus));
  await stopProcesses(ours(record.worker), 30_000);
  if (record.labDir) await stopLab(record.labDir);
  await stopProcesses(ours(record.temporal));
  if (record.ledger) {
    await stopPostgres(record.ledger.dataDir);
    if (!record.persistent) rmSync(record.ledger.dataDir, { recursive: true, force: true });
  }
  rmSync(envFile(stateDir), { force: true });
  return true;
}

function withStartTime(pid: number): { startTime?: string } {
  const startTime = startTimeOf(pid);
  return startTime ? { startTime } : {};
}

function save(stateDir: string, record: Partial<DevEnvRecord>): void {
  writeFileSync(envFile(stateDir), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Where the ledger's cluster lives: in the state dir, unless PostgreSQL must run as another user (we are root; it
 * refuses to) who cannot reach it (a state dir under /root): then under /var/lib/bootshift, named after the state dir.
 */
export function ledgerDataDir(stateDir: string): string {
  const inside = path.join(stateDir, 'postgres');
  if (process.getuid?.() !== 0 || reachableByOthers(stateDir)) return inside;
  const id = createHash('sha256').update(stateDir).digest('hex').slice(0, 16);
  return path.join('/var/lib/bootshift/dev-postgres', id);
}

function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** Starts the recorded PostgreSQL again on the same data dir (after a crash or a deliberate kill). */
export async function restartPostgres(record: DevEnvRecord): Promise<DevEnvRecord> {
  await stopPostgres(record.ledger.dataDir);
  const postgres = await startPostgres({ dataDir: record.ledger.dataDir, detached: record.worker.options.detached ?? false });
  const next = { ...record, ledger: { ...record.ledger, databaseUrl: postgres.url, pid: postgres.pid, ...(postgres.startTime && { startTime: postgres.startTime }) } };
  save(record.stateDir, next);
  return next;
}

/** The payload encryption keys: random, kept in the state dir with owner-only permissions, never printed. */
function codecKeys(stateDir: string): string {
  const file = path.join(stateDir, 'codec-keys.json');
  if (!existsSync(file)) writeFileSync(file, newKeyFile(), { mode: 0o600 });
  return file;
}

/** The gateway's HMAC key: random, kept in the state dir with owner-only permissions, never printed. */
function gatewaySecret(stateDir: string): string {
  const file = path.join(stateDir, 'gateway.secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return file;
}

/** Starts the recorded worker again (after a crash or a deliberate kill), with the same settings. */
export async function restartWorker(record: DevEnvRecord): Promise<DevEnvRecord> {
  const worker = await startWorkerProcess(record.worker.options);
  const next = { ...record, worker: { ...record.worker, pid: worker.pid, ...withStartTime(worker.pid) } };
  save(record.stateDir, next);
  return next;
}

/** Starts the recorded Temporal dev server again on the same ports and database (persistent environments only). */
export async function restartTemporal(record: DevEnvRecord): Promise<DevEnvRecord> {
  if (!record.persistent) throw new Error('restartTemporal needs a persistent environment (its state would be lost)');
  await stopProcesses(isSameProcess(record.temporal.pid, record.temporal.startTime) ? [record.temporal.pid] : []);
  const server = await startDevServer({
    ui: record.temporal.uiUrl !== null,
    logFile: path.join(record.stateDir, 'temporal.log'),
    dbFile: path.join(record.stateDir, 'temporal.db'),
    ports: record.temporal.ports,
    ...(record.temporal.codecEndpoint && { codecEndpoint: record.temporal.codecEndpoint }),
    detached: record.worker.options.detached ?? false,
  });
  const next = { ...record, temporal: { ...record.temporal, pid: server.pid, ...withStartTime(server.pid) } };
  save(record.stateDir, next);
  return next;
}
