// Where the CLI finds Temporal, decided once per invocation: flags, then environment variables, then the running dev
// environment's env.json, then the local default. Every value is validated here, and an invalid one is reported under
// the name of the place it came from (`TEMPORAL_ADDRESS: must be host:port`, `--boot: must be an integer from 1 to
// 16`), so the user knows what to fix (exit 2). One short-lived connection per command, closed when it ends; a server
// that cannot be reached is exit 4 with the address and where it came from, instead of a gRPC stack trace.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { Client, Connection } from '@temporalio/client';
import { ValidationError, formatIssues, nameSchema as fleetSchema } from '../domain';
import { type DevEnvRecord, envFile, readDevEnv } from '../devenv/dev-env';
import { readCodecKeys, type CodecKeys } from '../worker/payload-codec';
import { HOST_PORT, NAMESPACE, TASK_QUEUE, dataConverterFor, readTlsFiles, tlsConfig, type TlsSettings } from '../worker/temporal-connection';
import { connectLedgerDatabase, databaseUrlSchema, redactDatabaseUrl } from '../ledger/database';
import { createPostgresLedger, type PostgresLedger } from '../ledger/postgres-ledger';
import { createGrantSender } from '../worker/workflow-port';
import { CliError, ExitCode, usageError } from './errors';

export const DEFAULT_STATE_DIR = path.join('.bootshift', 'dev');
export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_FLEET = 'lab';
export const DEFAULT_TASK_QUEUE = 'bootshift';

/** What a command may touch of its process: injected so tests can run commands without a terminal. */
export interface CliContext {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface GlobalFlags {
  address?: string;
  namespace?: string;
  uiUrl?: string;
  stateDir?: string;
  fleet?: string;
  taskQueue?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsServerName?: string;
  codecKeyFile?: string;
  databaseUrl?: string;
}

export interface CliOptions {
  address: string;
  namespace: string;
  uiUrl: string | null;
  stateDir: string;
  fleet: string;
  /** The worker's task queue (as BOOTSHIFT_TASK_QUEUE sets it for the worker). */
  taskQueue: string;
  /** The dev environment the address points at, when it came from (or matches) env.json. */
  devEnv: DevEnvRecord | undefined;
  /** Where `address` came from, for the "cannot reach Temporal" message. */
  addressSource: string;
  tls?: TlsSettings;
  codecKeys?: CodecKeys;
  /** The fleet ledger's PostgreSQL, and where the URL came from; absent when nothing names one. */
  database?: { url: string; source: string };
}

const optionsSchema = z.object({
  address: z.string().regex(HOST_PORT, { error: 'must be host:port' }),
  namespace: z.string().regex(NAMESPACE, { error: 'must be a namespace name (A-Z, a-z, 0-9, "._-")' }),
  uiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => u.replace(/\/+$/, '')).nullable(),
  fleet: fleetSchema,
  taskQueue: z.string().regex(TASK_QUEUE, { error: 'must be a task queue name (1-200 of A-Z, a-z, 0-9, "._-")' }),
});

type Source = [value: string | undefined | null, label: string];
const first = (...sources: Source[]): Source | undefined => sources.find(([value]) => value !== undefined && value !== null && value !== '');

export function resolveStateDir(flags: GlobalFlags, ctx: Pick<CliContext, 'env' | 'cwd'>): string {
  const [dir] = first([flags.stateDir, '--state-dir'], [ctx.env.BOOTSHIFT_STATE_DIR, 'BOOTSHIFT_STATE_DIR']) ?? [DEFAULT_STATE_DIR];
  return path.resolve(ctx.cwd, dir!);
}

export function resolveOptions(
  flags: GlobalFlags,
  ctx: Pick<CliContext, 'env' | 'cwd'>,
  readEnv: (stateDir: string) => DevEnvRecord | undefined,
): CliOptions {
  const stateDir = resolveStateDir(flags, ctx);
  const recorded = readEnv(stateDir);
  const explicit = first([flags.address, '--address'], [ctx.env.TEMPORAL_ADDRESS, 'TEMPORAL_ADDRESS']);
  const devEnv = recorded && (!explicit || explicit[0] === recorded.temporal.address) ? recorded : undefined;
  const file = envFile(stateDir);
  const sources: Record<keyof z.input<typeof optionsSchema>, Source> = {
    address: explicit ?? (devEnv ? [devEnv.temporal.address, file] : [DEFAULT_ADDRESS, 'default']),
    namespace: first([flags.namespace, '--namespace'], [ctx.env.TEMPORAL_NAMESPACE, 'TEMPORAL_NAMESPACE']) ?? ['default', 'default'],
    uiUrl: first([flags.uiUrl, '--ui-url'], [ctx.env.BOOTSHIFT_TEMPORAL_UI, 'BOOTSHIFT_TEMPORAL_UI'], [devEnv?.temporal.uiUrl, file]) ?? [null, 'default'],
    fleet: first([flags.fleet, '--fleet'], [devEnv?.fleet, file]) ?? [DEFAULT_FLEET, 'default'],
    taskQueue: first([flags.taskQueue, '--task-queue'], [ctx.env.BOOTSHIFT_TASK_QUEUE, 'BOOTSHIFT_TASK_QUEUE'], [devEnv?.taskQueue, file]) ?? [DEFAULT_TASK_QUEUE, 'default'],
  };
  const values = Object.fromEntries(Object.entries(sources).map(([key, [value]]) => [key, value]));
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    throw usageError(formatIssues(parsed.error.issues, (key) => sources[key as keyof typeof sources][1]).join('\n'));
  }
  const tls = resolveTls(flags, ctx.env);
  const codecKeys = resolveCodecKeys(first([flags.codecKeyFile, '--codec-key-file'], [ctx.env.BOOTSHIFT_CODEC_KEY_FILE, 'BOOTSHIFT_CODEC_KEY_FILE'], [devEnv?.codecKeyFile, file]));
  const database = resolveDatabase(first([flags.databaseUrl, '--database-url'], [ctx.env.BOOTSHIFT_DATABASE_URL, 'BOOTSHIFT_DATABASE_URL'], [devEnv?.ledger?.databaseUrl, file]));
  return {
    ...parsed.data,
    stateDir,
    devEnv,
    addressSource: sources.address[1],
    ...(tls && { tls }),
    ...(codecKeys && { codecKeys }),
    ...(database && { database }),
  };
}

function resolveDatabase(source: Source | undefined): CliOptions['database'] {
  if (!source?.[0]) return undefined;
  const parsed = databaseUrlSchema.safeParse(source[0]);
  if (!parsed.success) throw usageError(parsed.error.issues.map((issue) => `${source[1]}: ${issue.message}`).join('\n'));
  return { url: source[0], source: source[1] };
}

/** The payload encryption keys the worker uses, so the CLI can read what the workflows carry. */
function resolveCodecKeys(source: Source | undefined): CodecKeys | undefined {
  if (!source?.[0]) return undefined;
  try {
    return readCodecKeys(source[0], source[1]);
  } catch (err) {
    if (err instanceof ValidationError) throw usageError(err.issues.map((issue) => `${source[1]}: ${issue}`).join('\n'));
    throw err;
  }
}

// The same TLS settings as the worker's, by flag or by the worker's own environment variables.
const TLS_SOURCES = {
  cert: ['tlsCert', 'TEMPORAL_TLS_CERT'],
  key: ['tlsKey', 'TEMPORAL_TLS_KEY'],
  ca: ['tlsCa', 'TEMPORAL_TLS_CA'],
  serverName: ['tlsServerName', 'TEMPORAL_TLS_SERVER_NAME'],
} as const;

function resolveTls(flags: GlobalFlags, env: NodeJS.ProcessEnv): TlsSettings | undefined {
  const picked = Object.fromEntries(
    Object.entries(TLS_SOURCES).map(([field, [flag, variable]]) => [field, first([flags[flag], flagName(flag)], [env[variable], variable])]),
  ) as Record<keyof typeof TLS_SOURCES, Source | undefined>;
  const value = (field: keyof typeof TLS_SOURCES) => picked[field]?.[0] ?? undefined;
  try {
    return readTlsFiles(
      { cert: value('cert'), key: value('key'), ca: value('ca'), serverName: value('serverName') },
      (field) => picked[field]?.[1] ?? `${flagName(TLS_SOURCES[field][0])} / ${TLS_SOURCES[field][1]}`,
    );
  } catch (err) {
    if (err instanceof ValidationError) throw usageError(err.issues.join('\n'));
    throw err;
  }
}

/** The options of a running command: its own flags and the program's, from the real env.json. */
export const optionsFor = (cmd: Command, ctx: CliContext): CliOptions => resolveOptions(cmd.optsWithGlobals<GlobalFlags>(), ctx, readDevEnv);

/** `bootDelay` -> `--boot-delay`; positional arguments are declared under their upper-case names (`NAME`). */
export function flagName(key: PropertyKey): string {
  const name = String(key);
  return name === name.toUpperCase() ? name : `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw usageError(formatIssues(result.error.issues, flagName).join('\n'));
}

export function intFlag(min: number, max: number) {
  const rule = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, { error: rule })
    .transform(Number)
    .pipe(z.number().min(min, { error: rule }).max(max, { error: rule }));
}

export const jsonFlag = z.boolean().default(false);

const CONNECT_TIMEOUT_MS = 5000;

/**
 * The fleet ledger (PostgreSQL) with a Temporal client beside it, for the commands that read or change capacity: a
 * change that frees room admits queued VMs, whose grants are signalled through the client.
 */
export async function withLedger<T>(opts: CliOptions, fn: (ledger: PostgresLedger, client: Client) => Promise<T>): Promise<T> {
  const database = opts.database;
  if (!database) throw usageError('the fleet ledger\'s database is not known: pass --database-url or set BOOTSHIFT_DATABASE_URL (or run `bootshift dev up`)');
  return withClient(opts, async (client) => {
    const { db, close } = connectLedgerDatabase(database.url, { max: 2, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    try {
      await db.selectFrom('fleets').select('fleet').limit(1).execute().catch((err: unknown) => {
        const why = err instanceof Error ? err.message : String(err);
        throw new CliError(ExitCode.Unreachable, `cannot read the fleet ledger at ${redactDatabaseUrl(database.url)} (from ${database.source}): ${why}`);
      });
      const ledger = createPostgresLedger({
        db,
        grants: { deliver: createGrantSender(client) },
        loadInventory: async (fleet) => {
          throw new CliError(ExitCode.NotFound, `no fleet "${fleet}" in the ledger: it is created when a worker with its inventory starts`);
        },
      });
      return await fn(ledger, client);
    } finally {
      await close();
    }
  });
}

export async function withClient<T>(opts: CliOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    const tls = tlsConfig(opts.tls);
    connection = await Connection.connect({ address: opts.address, connectTimeout: CONNECT_TIMEOUT_MS, ...(tls && { tls }) });
  } catch (err) {
    const hint = opts.devEnv ? ` (is the dev environment in ${opts.stateDir} running? try \`bootshift dev status\`)` : '';
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(ExitCode.Unreachable, `cannot reach Temporal at ${opts.address} (from ${opts.addressSource}): ${why}${hint}`);
  }
  try {
    const dataConverter = dataConverterFor(opts);
    return await fn(new Client({ connection, namespace: opts.namespace, ...(dataConverter && { dataConverter }) }));
  } finally {
    await connection.close();
  }
}
