// The embedded environment: a Temporal dev server (with its Web UI), the lab's libvirt hosts, and the bootshift
// worker with its boot gateway, all local. `bootshift dev up/down`, the main job and the end-to-end tests start it
// here; everything it starts is recorded in <stateDir>/env.json so `down` stops exactly that, even from another
// process.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port';
import { startLab, stopLab } from './lab-hosts';
import { labImageDirs } from './tools';
import { commandLine, stopProcesses } from './processes';
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
}

export interface DevEnvRecord {
  stateDir: string;
  taskQueue: string;
  fleet: string;
  inventoryFile: string;
  consoleDir: string;
  labDir: string | null;
  temporal: { address: string; uiUrl: string | null; pid: number; binary: string; ports: { grpc: number; ui: number; http: number; metrics: number } };
  worker: { pid: number; gatewayUrl: string; gatewayPort: number; logFile: string; options: WorkerProcessOptions };
  persistent: boolean;
}

export const envFile = (stateDir: string) => path.join(stateDir, 'env.json');

export function readDevEnv(stateDir: string): DevEnvRecord | undefined {
  const file = envFile(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevEnvRecord) : undefined;
}

export async function startDevEnv(opts: DevEnvOptions): Promise<DevEnvRecord> {
  const stateDir = path.resolve(opts.stateDir);
  await stopDevEnv(stateDir);
  mkdirSync(stateDir, { recursive: true });
  const secretFile = gatewaySecret(stateDir);
  // A simulated fleet is only meaningful together with the Temporal state that knows its VMs.
  if (!opts.persistent) rmSync(path.join(stateDir, 'simulated-fleet.json'), { force: true });
  const temporal = await startDevServer({
    ui: opts.ui ?? true,
    logFile: path.join(stateDir, 'temporal.log'),
    detached: opts.detached ?? false,
    ...(opts.persistent && { dbFile: path.join(stateDir, 'temporal.db') }),
  });
  const record: Partial<DevEnvRecord> = {
    stateDir,
    taskQueue: 'bootshift',
    labDir: null,
    persistent: opts.persistent ?? false,
    temporal: { address: temporal.address, uiUrl: temporal.uiUrl ?? null, pid: temporal.pid, binary: temporal.binary, ports: temporal.ports },
  };
  save(stateDir, record);
  try {
    const hosts = await startHosts(stateDir, opts);
    Object.assign(record, hosts);
    save(stateDir, record);
    const gatewayPort = await freePort();
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
      extraEnv: { BOOTSHIFT_SIM_STATE_FILE: path.join(stateDir, 'simulated-fleet.json'), ...opts.workerEnv },
    };
    const worker = await startWorkerProcess(options);
    record.worker = { pid: worker.pid, gatewayUrl: worker.gatewayUrl, gatewayPort, logFile, options };
    save(stateDir, record);
    return record as DevEnvRecord;
  } catch (err) {
    await stopDevEnv(stateDir);
    throw err;
  }
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

/** Stops what `startDevEnv` recorded in stateDir (worker, lab, Temporal), checking each pid is still ours. */
export async function stopDevEnv(stateDir: string): Promise<boolean> {
  const record = readDevEnv(stateDir) as Partial<DevEnvRecord> | undefined;
  if (!record) return false;
  const ours = (pid: number | undefined, marker: string | undefined) => (pid && marker && commandLine(pid).includes(marker) ? [pid] : []);
  await stopProcesses(ours(record.worker?.pid, path.join('lib', 'worker', 'main.js')), 30_000);
  if (record.labDir) await stopLab(record.labDir);
  await stopProcesses(ours(record.temporal?.pid, record.temporal?.binary));
  rmSync(envFile(stateDir), { force: true });
  return true;
}

function save(stateDir: string, record: Partial<DevEnvRecord>): void {
  writeFileSync(envFile(stateDir), `${JSON.stringify(record, null, 2)}\n`);
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
  const next = { ...record, worker: { ...record.worker, pid: worker.pid } };
  save(record.stateDir, next);
  return next;
}

/** Starts the recorded Temporal dev server again on the same ports and database (persistent environments only). */
export async function restartTemporal(record: DevEnvRecord): Promise<DevEnvRecord> {
  if (!record.persistent) throw new Error('restartTemporal needs a persistent environment (its state would be lost)');
  await stopProcesses([record.temporal.pid].filter((pid) => commandLine(pid).includes(record.temporal.binary)));
  const server = await startDevServer({
    ui: record.temporal.uiUrl !== null,
    logFile: path.join(record.stateDir, 'temporal.log'),
    dbFile: path.join(record.stateDir, 'temporal.db'),
    ports: record.temporal.ports,
    detached: record.worker.options.detached ?? false,
  });
  const next = { ...record, temporal: { ...record.temporal, pid: server.pid } };
  save(record.stateDir, next);
  return next;
}
