// Starts the real bootshift worker (lib/worker/main.js, the same entry point production runs) as a separate process
// for the embedded environment, the end-to-end tests and the fault suite, which kills and restarts it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { isRunning, stopProcesses } from './processes';
import { repoRoot } from './tools';
import { waitFor } from './wait';

export interface WorkerProcessOptions {
  temporalAddress: string;
  taskQueue: string;
  inventoryFile: string;
  hypervisor: 'libvirt' | 'simulated';
  gatewayPort: number;
  secretFile: string;
  logFile: string;
  consoleDir?: string;
  extraEnv?: Record<string, string>;
  detached?: boolean;
}

export interface WorkerProcess {
  pid: number;
  gatewayUrl: string;
  stop(): Promise<void>;
}

export function workerEntry(): string {
  const entry = path.join(repoRoot(), 'lib', 'worker', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return entry;
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<WorkerProcess> {
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, [workerEntry()], {
    stdio: ['ignore', out, out],
    detached: opts.detached ?? false,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      BOOTSHIFT_TASK_QUEUE: opts.taskQueue,
      BOOTSHIFT_INVENTORY: opts.inventoryFile,
      BOOTSHIFT_HYPERVISOR: opts.hypervisor,
      BOOTSHIFT_GATEWAY_LISTEN: `127.0.0.1:${opts.gatewayPort}`,
      // Guests on user-mode networking reach the host's loopback at 10.0.2.2.
      BOOTSHIFT_GATEWAY_URL: `http://10.0.2.2:${opts.gatewayPort}`,
      BOOTSHIFT_GATEWAY_SECRET_FILE: opts.secretFile,
      ...(opts.consoleDir && { BOOTSHIFT_CONSOLE_DIR: opts.consoleDir }),
      ...opts.extraEnv,
    },
  });
  closeSync(out);
  if (opts.detached) child.unref();
  const pid = child.pid!;
  const gatewayUrl = `http://127.0.0.1:${opts.gatewayPort}`;
  await waitFor(
    async () => {
      if (!isRunning(pid)) throw new Error(`the worker exited during start-up; see ${opts.logFile}`);
      return fetch(`${gatewayUrl}/healthz`).then((r) => r.ok, () => false);
    },
    { timeoutMs: 120_000, intervalMs: 250, what: `the bootshift worker (log: ${opts.logFile})` },
  );
  return { pid, gatewayUrl, stop: () => stopProcesses([pid], 30_000) };
}
