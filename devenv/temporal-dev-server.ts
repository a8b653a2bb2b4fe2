// The one launcher for a real Temporal dev server (the CLI built from Go modules by scripts/install-tools). Tests,
// the CLI's `dev up` and the benchmarks all start Temporal through here, so they share the same ports policy,
// search attributes and readiness check, and each stops only the process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePorts } from './free-port';
import { stopProcesses } from './processes';
import { prepareNamespace } from '../worker/namespace-setup';
import { toolPath } from './tools';
import { waitFor } from './wait';

export interface DevServerOptions {
  /** Persist workflow state here; omitted means in memory (lost when the server stops). */
  dbFile?: string;
  /** Serve the Web UI on a free port (default false: headless). */
  ui?: boolean;
  /** Where the server's stdout/stderr go; default: a file next to dbFile, or discarded. */
  logFile?: string;
  /** Keep running after this process exits (for `dev up`); a pid file is written next to the log. */
  detached?: boolean;
  readyTimeoutMs?: number;
  binary?: string;
  /** Where the Web UI decodes payloads (the worker's codec endpoint). */
  codecEndpoint?: string;
  /** Reuse these ports (a restart of a persistent server keeps its address). */
  ports?: { grpc: number; ui: number; http: number; metrics: number };
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid: number;
  binary: string;
  version: string;
  ports: { grpc: number; ui: number; http: number; metrics: number };
  stop(): Promise<void>;
}

const NAMESPACE = 'default';

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const binary = opts.binary ?? toolPath('temporal');
  const version = readVersion(binary);
  const [grpc, ui, http, metrics] = opts.ports
    ? [opts.ports.grpc, opts.ports.ui, opts.ports.http, opts.ports.metrics]
    : ((await freePorts(4)) as [number, number, number, number]);
  const args = serverArgs({ grpc, ui, http, metrics }, opts);
  const logStart = opts.logFile && existsSync(opts.logFile) ? statSync(opts.logFile).size : 0;
  const child = launch(binary, args, opts);
  const address = `127.0.0.1:${grpc}`;
  const exited = exitPromise(child);
  try {
    await waitUntilReady(address, exited, opts.readyTimeoutMs ?? 120_000, opts.logFile ? { file: opts.logFile, from: logStart } : undefined);
    await prepareDevNamespace(address);
  } catch (err) {
    await killAndWait(child.pid!, exited);
    throw err;
  }
  const pid = child.pid!;
  return {
    address,
    namespace: NAMESPACE,
    uiUrl: opts.ui ? `http://127.0.0.1:${ui}` : undefined,
    pid,
    binary,
    version,
    ports: { grpc, ui, http, metrics },
    stop: () => killAndWait(pid, exited),
  };
}

function serverArgs(ports: { grpc: number; ui: number; http: number; metrics: number }, opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.grpc)];
  args.push('--http-port', String(ports.http), '--metrics-port', String(ports.metrics), '--log-level', 'warn');
  args.push(...(opts.ui ? ['--ui-port', String(ports.ui)] : ['--headless']));
  if (opts.ui && opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  return args;
}

function launch(binary: string, args: string[], opts: DevServerOptions): ChildProcess {
  let out: number | 'ignore' = 'ignore';
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    out = openSync(opts.logFile, 'a');
  }
  const child = spawn(binary, args, { stdio: ['ignore', out, out], detached: opts.detached ?? false });
  if (typeof out === 'number') closeSync(out);
  if (opts.detached) {
    child.unref();
    if (opts.logFile) writeFileSync(`${opts.logFile}.pid`, String(child.pid));
  }
  return child;
}

function readVersion(binary: string): string {
  const stamp = path.join(path.dirname(binary), `${path.basename(binary)}.version`);
  return existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : 'unknown';
}

type Exit = Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

function exitPromise(child: ChildProcess): Exit {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function waitUntilReady(address: string, exited: Exit, timeoutMs: number, log?: { file: string; from: number }): Promise<void> {
  let exitedEarly: { code: number | null } | undefined;
  void exited.then((e) => (exitedEarly = e));
  const where = log ? ` (server log: ${log.file})` : '';
  await waitFor(
    async () => {
      if (exitedEarly) {
        const why = log ? whyItFailed(log.file, log.from) : '';
        throw new Error(`temporal dev server exited with code ${exitedEarly.code} before it was ready${where}${why}`);
      }
      return probe(address);
    },
    { timeoutMs, intervalMs: 250, what: `temporal dev server on ${address}${where}` },
  );
}

/**
 * The errors and the panic this start wrote to the log (which later starts append to): a test run on a CI machine
 * keeps only its output, so the cause has to be in the message.
 */
function whyItFailed(logFile: string, from: number): string {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return '';
  }
  const telling = text.split('\n').filter((line) => /level=ERROR|^panic:|^fatal error:/.test(line)).slice(0, 6);
  return telling.length ? `:\n${telling.map((line) => `  ${line.slice(0, 400)}`).join('\n')}` : '';
}

/**
 * The namespace is made ready by `bootshift setup`'s own code, on a new database and a reused one alike (no
 * --search-attribute flags, which only apply to a new database): every dev server start exercises what operators run.
 */
async function prepareDevNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await prepareNamespace(connection, NAMESPACE);
  } finally {
    await connection.close();
  }
}

async function probe(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

/** Stops a server this process started: SIGTERM, then SIGKILL if it has not gone after a grace period. */
async function killAndWait(pid: number, exited: Exit): Promise<void> {
  await stopProcesses([pid]);
  await exited;
}
