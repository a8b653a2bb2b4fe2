// P4's environment: a lab of host A (boot pool, 1 CPU) and host B (settle pool, 1 CPU, cpuAllocationRatio high
// enough for every guest of the run), a dev server, and the real worker process (libvirt adapter, boot gateway).
// Built from the lab's parts rather than startDevEnv, which gives every host the same declared size and B the
// default ratio. Whatever was started is stopped by `stop`, also after a failed start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { HostConfig } from '../../domain';
import { freePort } from '../../devenv/free-port';
import { startLab, stopLab, type Lab } from '../../devenv/lab-hosts';
import { startDevServer, type DevServer } from '../../devenv/temporal-dev-server';
import { startWorkerProcess, type WorkerProcess } from '../../devenv/worker-process';
import { readInventoryFile } from '../../worker/inventory-file';

export interface P4Env {
  lab: Lab;
  a: HostConfig;
  b: HostConfig;
  aDir: string;
  bDir: string;
  consoleDir: string;
  fleet: string;
  taskQueue: string;
  client: Client;
  stop(): Promise<void>;
}

export interface P4EnvOptions {
  /** Declared memory of each host (default: the lab's 1024 MiB); cloud guests take 512 MiB each. */
  hostMemoryMiB?: number;
}

export async function startP4Env(cpuAllocationRatio: number, opts: P4EnvOptions = {}): Promise<P4Env> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p4-'));
  const labDir = `/tmp/bs-p4-${randomBytes(3).toString('hex')}`;
  let server: DevServer | undefined;
  let worker: WorkerProcess | undefined;
  let connection: Connection | undefined;
  const stop = async () => {
    await connection?.close();
    await worker?.stop();
    await stopLab(labDir);
    await server?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const lab = await startLab({ dir: labDir, boot: 1, settle: 1, hostCpus: 1, cpuAllocationRatio, ...(opts.hostMemoryMiB && { hostMemoryMiB: opts.hostMemoryMiB }) });
    const consoleDir = path.join(lab.sharedDir, 'consoles');
    mkdirSync(consoleDir, { recursive: true });
    server = await startDevServer({ ui: false, logFile: path.join(stateDir, 'temporal.log') });
    const secretFile = path.join(stateDir, 'gateway.secret');
    writeFileSync(secretFile, randomBytes(48).toString('base64url'), { mode: 0o600 });
    const taskQueue = 'bootshift';
    worker = await startWorkerProcess({
      temporalAddress: server.address,
      taskQueue,
      inventoryFile: lab.inventoryPath,
      hypervisor: 'libvirt',
      gatewayPort: await freePort(),
      secretFile,
      logFile: path.join(stateDir, 'worker.log'),
      consoleDir,
    });
    connection = await Connection.connect({ address: server.address });
    const inventory = await readInventoryFile(lab.inventoryPath);
    const [a, b] = [inventory.hosts.find((h) => h.pool === 'boot')!, inventory.hosts.find((h) => h.pool === 'settle')!];
    const dir = (name: string) => lab.hosts.find((h) => h.name === name)!.dir;
    return { lab, a, b, aDir: dir(a.name), bDir: dir(b.name), consoleDir, fleet: inventory.fleet, taskQueue, client: new Client({ connection }), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
