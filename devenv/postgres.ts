// The one launcher for the fleet ledger's PostgreSQL (Debian's `postgresql` package, from scripts/install-lab): the
// embedded environment, the tests and CI all get their cluster through here, so they share one security model (no
// TCP, a private socket directory), one role and database, one readiness check, and each stops only what it started.
// The package's own system cluster is never used: every caller brings a data dir of its own.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, type ClientConfig } from 'pg';
import { z } from 'zod';
import { absolutePathSchema, parseOrThrow } from '../domain';
import { isRunning, isSameProcess, processName, signalProcesses, startTimeOf } from './processes';
import { waitFor } from './wait';

export interface PostgresOptions {
  /** The cluster lives here (created with initdb if empty; reused if it already holds a cluster). */
  dataDir: string;
  /** Where the server's log goes (default: <dataDir>/postgres.log, private like the rest of the data dir). */
  logFile?: string;
  /** Keep running after this Node process exits (for `bootshift dev up`). */
  detached?: boolean;
  /** Extra server settings (GUCs), e.g. { fsync: 'off', shared_buffers: '256MB' }. */
  settings?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface PostgresServer {
  /** A node-postgres connection string for database "bootshift", role "bootshift", through the unix socket. */
  url: string;
  socketDir: string;
  dataDir: string;
  pid: number;
  /** The postmaster's start time as devenv/processes.ts startTimeOf reports it, so a later `dev down` can check ownership. */
  startTime: ReturnType<typeof startTimeOf>;
  version: string;
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';
/** initdb's bootstrap superuser: only this launcher connects as it, to create the application's role and database. */
const SUPERUSER = 'postgres';
/** The unprivileged system user the Debian package creates; the server runs as it when we are root. */
const SERVER_USER = 'postgres';
const ROLE = 'bootshift';
const DATABASE = 'bootshift';
/** The socket is <socketDir>/.s.PGSQL.<port>; sun_path holds 107 bytes and a NUL. */
const SOCKET_FILE = '.s.PGSQL.5432';
const MAX_SOCKET_PATH = 107;

// The settings this launcher's security model and connection string rest on: a caller changing them would open TCP,
// move the socket out of its private directory, or make `url` point at nothing.
const RESERVED = ['listen_addresses', 'unix_socket_directories', 'unix_socket_permissions', 'unix_socket_group', 'port', 'data_directory', 'hba_file', 'config_file'];

const optionsSchema = z.strictObject({
  dataDir: absolutePathSchema,
  logFile: absolutePathSchema.optional(),
  detached: z.boolean().optional(),
  settings: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_.]*$/, { error: 'must be a PostgreSQL setting name (lower case, digits, "_", ".")' })
        .refine((name) => !RESERVED.includes(name), { error: 'is set by the launcher (no TCP, a private unix socket)' }),
      z.string(),
    )
    .optional(),
  readyTimeoutMs: z.int().positive().optional(),
});

/** Who runs initdb and the server: undefined means this process's own user. */
interface ServerUser {
  uid: number;
  gid: number;
}

export async function startPostgres(raw: PostgresOptions): Promise<PostgresServer> {
  const opts = parseOrThrow(optionsSchema, raw, 'invalid PostgreSQL options');
  const { dataDir } = opts;
  // Inside the data dir (0700, the server user's): private by construction, and gone with the cluster.
  const socketDir = path.join(dataDir, 'socket');
  if (Buffer.byteLength(path.join(socketDir, SOCKET_FILE)) > MAX_SOCKET_PATH) {
    throw new Error(`data dir ${dataDir} is too long for a unix socket inside it (${MAX_SOCKET_PATH} bytes at most): pick a shorter path`);
  }
  const running = runningPostmaster(dataDir);
  if (running !== undefined) throw new Error(`PostgreSQL is already running in ${dataDir} (pid ${running}): stop it first`);

  const user = serverUser();
  const hint = user ? ` (as root, initdb and the server run as the ${SERVER_USER} user, who must be able to reach ${dataDir})` : '';
  const major = clusterMajor(dataDir);
  const bin = binaries(major);
  if (major === undefined) await initCluster(bin, dataDir, user, opts.settings?.fsync === 'off', hint);
  privateDir(socketDir, user);

  const logFile = opts.logFile ?? path.join(dataDir, 'postgres.log');
  const settings: Record<string, string> = {
    max_connections: '200', // the claim tests run 200 concurrent claimers
    ...opts.settings,
    listen_addresses: '',
    unix_socket_directories: socketDir,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const child = await launch(path.join(bin, 'postgres'), args, logFile, user, opts.detached ?? false);
  const pid = child.pid!;
  const startTime = startTimeOf(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (isSameProcess(pid, startTime)) await shutdown(pid, `PostgreSQL in ${dataDir}`);
    await exited;
  };

  try {
    await waitUntilReady({ pid, dataDir, socketDir, logFile, child, timeoutMs: opts.readyTimeoutMs ?? 60_000, hint });
    const version = await ensureRoleAndDatabase(socketDir);
    const url = `postgresql://${ROLE}@/${DATABASE}?host=${encodeURIComponent(socketDir)}`;
    return { url, socketDir, dataDir, pid, startTime, version, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Stops a cluster started earlier (e.g. detached, by another process) given its data dir, only if its postmaster.pid
 * names a live postgres process we own. Idempotent.
 */
export async function stopPostgres(dataDir: string): Promise<void> {
  const pid = runningPostmaster(path.resolve(dataDir));
  if (pid !== undefined) await shutdown(pid, `PostgreSQL in ${dataDir}`);
}

/** The newest installed major version, or the cluster's own (a cluster only runs under the major that made it). */
function binaries(major: string | undefined): string {
  const installed = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => /^\d+$/.test(v) && ['initdb', 'postgres'].every((b) => existsSync(path.join(PG_ROOT, v, 'bin', b))))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const wanted = major ?? installed[0];
  if (wanted === undefined || !installed.includes(wanted)) {
    throw new Error(
      `PostgreSQL ${wanted ?? ''} not found under ${PG_ROOT}/${wanted ?? '<version>'}/bin: run scripts/install-lab ` +
        '(it installs the Debian package postgresql)',
    );
  }
  return path.join(PG_ROOT, wanted, 'bin');
}

function clusterMajor(dataDir: string): string | undefined {
  const file = path.join(dataDir, 'PG_VERSION');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

// PostgreSQL refuses to run as root, and CI runs as root: there, initdb and the server run as the unprivileged user
// the Debian package creates. Anyone else runs them as themselves.
function serverUser(): ServerUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let entry: string;
  try {
    entry = execFileSync('getent', ['passwd', SERVER_USER], { encoding: 'utf8' });
  } catch {
    throw new Error(`running as root, PostgreSQL needs the ${SERVER_USER} system user: run scripts/install-lab (the postgresql package creates it)`);
  }
  const [, , uid, gid] = entry.trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * How the tools are spawned: as the server user (Node drops root with setgid, setgroups and setuid, so no helper like
 * runuser stands between us and the postmaster's pid), from a directory it can read, and with none of our environment
 * (no PG* variable steering it, no secret of ours in a long-lived process).
 */
function asServer(user: ServerUser | undefined): { uid?: number; gid?: number; cwd: string; env: NodeJS.ProcessEnv } {
  return { ...user, cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
}

/** A 0700 directory owned by the server user. */
function privateDir(dir: string, user: ServerUser | undefined): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  if (user) chownSync(dir, user.uid, user.gid);
}

async function initCluster(bin: string, dataDir: string, user: ServerUser | undefined, noSync: boolean, hint: string): Promise<void> {
  // Checked before privateDir changes its owner: a wrong path must not cost someone's directory its permissions.
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} holds files but no PostgreSQL cluster (no PG_VERSION): pick an empty or new directory`);
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  privateDir(dataDir, user);
  const args = ['-D', dataDir, '-U', SUPERUSER, '--encoding=UTF8', '--no-locale', '--no-instructions'];
  // Trust on the local socket is safe only because the socket's directory is 0700 and the server user's (privateDir):
  // no other local user can reach it. Root can, which is how the worker and tests connect on CI. TCP is off
  // (listen_addresses) and refused here as well, should it ever be switched on.
  args.push('--auth-local=trust', '--auth-host=reject');
  // Syncing a fresh cluster buys nothing when the server will not sync either (test clusters).
  if (noSync) args.push('--no-sync');
  try {
    await promisify(execFile)(path.join(bin, 'initdb'), args, asServer(user));
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`initdb failed for ${dataDir}${hint}:\n${(stderr || stdout || String(err)).trim()}`);
  }
}

async function launch(binary: string, args: string[], logFile: string, user: ServerUser | undefined, detached: boolean): Promise<ChildProcess> {
  mkdirSync(path.dirname(logFile), { recursive: true });
  // O_NOFOLLOW: when root opens it, a link planted in the server user's directory must not redirect the write.
  const log = openSync(logFile, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o600);
  try {
    const child = spawn(binary, args, { ...asServer(user), stdio: ['ignore', log, log], detached });
    await once(child, 'spawn');
    if (detached) child.unref();
    return child;
  } finally {
    closeSync(log);
  }
}

interface ReadyWait {
  pid: number;
  dataDir: string;
  socketDir: string;
  logFile: string;
  child: ChildProcess;
  timeoutMs: number;
  hint: string;
}

// Ready means our postmaster holds the data dir's lock (not some other server that answers on the socket) and a
// client can run a query through the socket.
async function waitUntilReady(w: ReadyWait): Promise<void> {
  let exit: string | undefined;
  w.child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
  try {
    await waitFor(
      async () => {
        if (exit) throw new Error(`PostgreSQL in ${w.dataDir} exited (${exit}) before it was ready${w.hint}`);
        return pidFileOf(w.dataDir) === w.pid && (await answers(w.socketDir));
      },
      { timeoutMs: w.timeoutMs, intervalMs: 50, what: `PostgreSQL in ${w.dataDir} to accept connections` },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; the end of ${w.logFile}:\n${logTail(w.logFile)}`);
  }
}

function adminConfig(socketDir: string): ClientConfig {
  return { host: socketDir, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 2000 };
}

async function answers(socketDir: string): Promise<boolean> {
  const client = new Client(adminConfig(socketDir));
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Idempotent, so a reused data dir starts like a fresh one. Returns the server's version. */
async function ensureRoleAndDatabase(socketDir: string): Promise<string> {
  const admin = new Client(adminConfig(socketDir));
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE]);
    // NOSUPERUSER every time: the application's role must not bypass the checks the ledger's schema will grant.
    await admin.query(`${role.rowCount ? 'ALTER' : 'CREATE'} ROLE ${ROLE} LOGIN NOSUPERUSER`);
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await admin.end();
  }
}

/** Fast shutdown: SIGINT makes the postmaster end its sessions, write a checkpoint and exit. */
async function shutdown(pid: number, what: string): Promise<void> {
  signalProcesses([pid], 'SIGINT');
  try {
    await waitFor(() => !isRunning(pid), { timeoutMs: 60_000, intervalMs: 50, what: `${what} (pid ${pid}) to shut down` });
  } catch {
    // Immediate shutdown: no checkpoint, so the next start runs crash recovery, but nothing is lost. Never SIGKILL
    // the postmaster: its backends would outlive it, holding the shared memory.
    signalProcesses([pid], 'SIGQUIT');
    await waitFor(() => !isRunning(pid), { timeoutMs: 15_000, intervalMs: 50, what: `${what} (pid ${pid}) to quit` });
  }
}

function pidFileOf(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

/**
 * The pid in the data dir's postmaster.pid if it is a live postgres serving this very data dir (the postmaster
 * works in its data dir), not a stale file whose pid now belongs to another process. A cluster someone else runs,
 * whose working directory we may not read, never matches.
 */
function runningPostmaster(dataDir: string): number | undefined {
  const pid = pidFileOf(dataDir);
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0 || !isRunning(pid) || processName(pid) !== 'postgres') return undefined;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The last few KiB of a log that may have grown over many runs. */
function logTail(file: string, bytes = 4096): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, bytes));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8').trimEnd();
  } catch (err) {
    return `(cannot read it: ${(err as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
