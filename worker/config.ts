// The worker's configuration, read from the environment exactly once at process start and validated with zod, so a
// missing or malformed setting stops the worker with a message naming the variable, before it touches anything.
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { ValidationError, formatIssues } from '../domain';
import { databaseUrlSchema } from '../ledger/database';
import { readCodecKeys, type CodecKeys } from './payload-codec';
import { readOwnerOnlyFile, SecretFileProblem } from './secret-file';
import { HOST_PORT, NAMESPACE, TASK_QUEUE, readTlsFiles, type TemporalConnectionSettings } from './temporal-connection';

const hostPort = z.string().regex(HOST_PORT, { error: 'must be host:port' });
const optionalPath = z.string().min(1, { error: 'must be a file path' }).optional();

const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().regex(NAMESPACE, { error: 'must be a namespace name' }).default('default'),
  TEMPORAL_TLS_CERT: optionalPath,
  TEMPORAL_TLS_KEY: optionalPath,
  TEMPORAL_TLS_CA: optionalPath,
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  BOOTSHIFT_TASK_QUEUE: z.string().regex(TASK_QUEUE, { error: 'must be a task queue name' }).default('bootshift'),
  BOOTSHIFT_INVENTORY: z.string({ error: 'is required (path of the fleet inventory, YAML or JSON)' }).min(1),
  BOOTSHIFT_HYPERVISOR: z.enum(['libvirt', 'simulated'], { error: 'must be "libvirt" or "simulated"' }).default('libvirt'),
  BOOTSHIFT_GATEWAY_LISTEN: z.union([z.literal('off'), hostPort]).default('127.0.0.1:8787'),
  /** What guests use to reach the gateway; user-mode networking maps the host's loopback to 10.0.2.2. */
  BOOTSHIFT_GATEWAY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  BOOTSHIFT_GATEWAY_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  BOOTSHIFT_GATEWAY_SECRET_FILE: optionalPath,
  /** Malformed requests and unknown paths per source address per minute (guests often share one address). */
  BOOTSHIFT_GATEWAY_RATE_LIMIT: z.coerce.number().int().positive({ error: 'must be a positive integer' }).default(600),
  /** Reports per VM per minute, counted apart for genuine tokens and bad ones. */
  BOOTSHIFT_GATEWAY_VM_RATE_LIMIT: z.coerce.number().int().positive({ error: 'must be a positive integer' }).default(60),
  BOOTSHIFT_CONSOLE_DIR: optionalPath,
  BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS: z.coerce.number().int().positive({ error: 'must be a positive integer (MiB/s)' }).optional(),
  /** Simulated hypervisor only: how long a simulated boot and a simulated live migration take. */
  BOOTSHIFT_SIM_BOOT_MS: z.coerce.number().int().nonnegative({ error: 'must be a non-negative integer' }).default(1000),
  BOOTSHIFT_SIM_MIGRATE_MS: z.coerce.number().int().nonnegative({ error: 'must be a non-negative integer' }).default(1000),
  /** Simulated hypervisor only: keep the simulated fleet in this file so it survives worker restarts. */
  BOOTSHIFT_SIM_STATE_FILE: optionalPath,
  /** Payload encryption keys (payload-codec.ts); every worker, the Pulumi provider and the CLI need the same file. */
  BOOTSHIFT_CODEC_KEY_FILE: optionalPath,
  /** Serve the codec endpoint for the Temporal UI here (host:port; off loopback it needs the auth token), or off. */
  BOOTSHIFT_CODEC_LISTEN: z.union([z.literal('off'), hostPort]).default('off'),
  /** The Temporal UI's origin, the only one the codec endpoint answers (CORS). */
  BOOTSHIFT_CODEC_UI_ORIGIN: z.url({ protocol: /^https?$/, error: 'must be an http(s) origin' }).optional(),
  /** A file holding a token the UI must send (Authorization: Bearer) to use the codec endpoint. */
  BOOTSHIFT_CODEC_AUTH_TOKEN_FILE: optionalPath,
  /** Serve Prometheus metrics (the Temporal SDK's and bootshift's) at http://<host:port>/metrics, or off. */
  BOOTSHIFT_METRICS_LISTEN: z.union([z.literal('off'), hostPort]).default('off'),
  /** The fleet ledger's PostgreSQL (ledger/), or a 0600 file holding it when it carries a password. */
  BOOTSHIFT_DATABASE_URL: databaseUrlSchema.optional(),
  BOOTSHIFT_DATABASE_URL_FILE: optionalPath,
  /** How often undelivered grants to queued VMs are looked for (a worker died between a commit and its signal). */
  BOOTSHIFT_GRANT_SWEEP_MS: z.coerce.number().int().min(100, { error: 'must be at least 100 (ms)' }).default(2000),
  /**
   * Fault injection for the fault tests, never for production: `kill-before-grant:<marker file>` makes the worker
   * SIGKILL itself right after a grant to a queued VM is committed and before it is signalled, once (the marker file
   * records that it happened).
   */
  BOOTSHIFT_FAILPOINT: z
    .string()
    .regex(/^kill-before-grant:\/\S+$/, { error: 'must be kill-before-grant:<absolute marker path> (fault tests only)' })
    .optional(),
  BOOTSHIFT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error'], { error: 'must be a log level' }).default('info'),
});

export interface WorkerConfig {
  temporal: TemporalConnectionSettings & { taskQueue: string };
  inventoryFile: string;
  hypervisor: 'libvirt' | 'simulated';
  gateway: {
    listen: { host: string; port: number } | null;
    publicUrl: string;
    secret: string;
    limits: { garbagePerSource: number; genuinePerVm: number; badTokenPerVm: number };
  };
  simulated: { bootMs: number; migrateMs: number; stateFile?: string };
  codecServer?: { listen: { host: string; port: number }; uiOrigin: string; authToken?: string };
  metrics?: { listen: { host: string; port: number } };
  consoleDir?: string;
  migrationBandwidthMiBps?: number;
  ledger: { databaseUrl: string; grantSweepMs: number };
  /** Fault tests only: see BOOTSHIFT_FAILPOINT. */
  failpoint?: { killBeforeGrant: string };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid worker configuration:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  }
  const e = parsed.data;
  const listen = e.BOOTSHIFT_GATEWAY_LISTEN === 'off' ? null : splitHostPort(e.BOOTSHIFT_GATEWAY_LISTEN);
  const tls = tlsFiles(e);
  const codecKeys = e.BOOTSHIFT_CODEC_KEY_FILE ? codecKeysFrom(e.BOOTSHIFT_CODEC_KEY_FILE) : undefined;
  const codecServer = codecServerFrom(e, codecKeys !== undefined);
  const publicUrl = e.BOOTSHIFT_GATEWAY_URL ?? (listen ? `http://10.0.2.2:${listen.port}` : undefined);
  if (!publicUrl) throw new ConfigError('BOOTSHIFT_GATEWAY_URL: is required when BOOTSHIFT_GATEWAY_LISTEN is off');
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.BOOTSHIFT_TASK_QUEUE,
      ...(tls && { tls }),
      ...(codecKeys && { codecKeys }),
    },
    ...(codecServer && { codecServer }),
    ...(e.BOOTSHIFT_METRICS_LISTEN !== 'off' && { metrics: { listen: metricsListen(e.BOOTSHIFT_METRICS_LISTEN) } }),
    inventoryFile: e.BOOTSHIFT_INVENTORY,
    hypervisor: e.BOOTSHIFT_HYPERVISOR,
    gateway: {
      listen,
      publicUrl,
      secret: gatewaySecret(e.BOOTSHIFT_GATEWAY_SECRET, e.BOOTSHIFT_GATEWAY_SECRET_FILE),
      limits: {
        garbagePerSource: e.BOOTSHIFT_GATEWAY_RATE_LIMIT,
        genuinePerVm: e.BOOTSHIFT_GATEWAY_VM_RATE_LIMIT,
        badTokenPerVm: e.BOOTSHIFT_GATEWAY_VM_RATE_LIMIT,
      },
    },
    simulated: {
      bootMs: e.BOOTSHIFT_SIM_BOOT_MS,
      migrateMs: e.BOOTSHIFT_SIM_MIGRATE_MS,
      ...(e.BOOTSHIFT_SIM_STATE_FILE && { stateFile: e.BOOTSHIFT_SIM_STATE_FILE }),
    },
    ...(e.BOOTSHIFT_CONSOLE_DIR && { consoleDir: e.BOOTSHIFT_CONSOLE_DIR }),
    ...(e.BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS && { migrationBandwidthMiBps: e.BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS }),
    ledger: { databaseUrl: databaseUrl(e.BOOTSHIFT_DATABASE_URL, e.BOOTSHIFT_DATABASE_URL_FILE), grantSweepMs: e.BOOTSHIFT_GRANT_SWEEP_MS },
    ...(e.BOOTSHIFT_FAILPOINT && { failpoint: { killBeforeGrant: e.BOOTSHIFT_FAILPOINT.slice('kill-before-grant:'.length) } }),
    logLevel: e.BOOTSHIFT_LOG_LEVEL,
  };
}

function databaseUrl(inline: string | undefined, file: string | undefined): string {
  if (inline && file) throw new ConfigError('BOOTSHIFT_DATABASE_URL and BOOTSHIFT_DATABASE_URL_FILE: set only one');
  if (inline) return inline;
  if (!file) throw new ConfigError('BOOTSHIFT_DATABASE_URL or BOOTSHIFT_DATABASE_URL_FILE: one is required (the fleet ledger\'s PostgreSQL)');
  const url = readSecretFile('BOOTSHIFT_DATABASE_URL_FILE', file);
  const parsed = databaseUrlSchema.safeParse(url);
  if (!parsed.success) throw new ConfigError(`BOOTSHIFT_DATABASE_URL_FILE: ${file}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return url;
}

function splitHostPort(value: string, variable = 'BOOTSHIFT_GATEWAY_LISTEN'): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (port > 65535) throw new ConfigError(`${variable}: port must be at most 65535`);
  // Port 0 would listen somewhere nobody can be told about.
  if (port === 0) throw new ConfigError(`${variable}: port must be from 1 to 65535 (its clients are told where it is)`);
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/** The SDK's exporter binds a socket address, not a name: a host name would only fail at start, deep in its runtime. */
function metricsListen(value: string): { host: string; port: number } {
  const listen = splitHostPort(value, 'BOOTSHIFT_METRICS_LISTEN');
  if (isIP(listen.host) === 0) throw new ConfigError('BOOTSHIFT_METRICS_LISTEN: the host must be an IP address (e.g. 127.0.0.1 or [::1])');
  return listen;
}

function codecKeysFrom(file: string): CodecKeys {
  try {
    return readCodecKeys(file, 'BOOTSHIFT_CODEC_KEY_FILE');
  } catch (err) {
    if (err instanceof ValidationError) throw new ConfigError(`invalid worker configuration:\n  BOOTSHIFT_CODEC_KEY_FILE: ${err.issues.join('; ')}`);
    throw err;
  }
}

function codecServerFrom(e: z.output<typeof envSchema>, haveKeys: boolean): WorkerConfig['codecServer'] {
  if (e.BOOTSHIFT_CODEC_LISTEN === 'off') return undefined;
  if (!haveKeys) throw new ConfigError('BOOTSHIFT_CODEC_KEY_FILE: is required when BOOTSHIFT_CODEC_LISTEN is set');
  if (!e.BOOTSHIFT_CODEC_UI_ORIGIN) throw new ConfigError('BOOTSHIFT_CODEC_UI_ORIGIN: is required when BOOTSHIFT_CODEC_LISTEN is set');
  const token = e.BOOTSHIFT_CODEC_AUTH_TOKEN_FILE ? readSecretFile('BOOTSHIFT_CODEC_AUTH_TOKEN_FILE', e.BOOTSHIFT_CODEC_AUTH_TOKEN_FILE) : undefined;
  const listen = splitHostPort(e.BOOTSHIFT_CODEC_LISTEN, 'BOOTSHIFT_CODEC_LISTEN');
  // The endpoint decrypts any payload it is sent, user-data included; CORS stops browsers, not curl. Off loopback,
  // only a token keeps it from decrypting for whoever can reach the port.
  if (!token && !isLoopback(listen.host)) {
    throw new ConfigError(`BOOTSHIFT_CODEC_AUTH_TOKEN_FILE: is required when BOOTSHIFT_CODEC_LISTEN is not a loopback address (${listen.host})`);
  }
  return {
    listen,
    uiOrigin: new URL(e.BOOTSHIFT_CODEC_UI_ORIGIN).origin,
    ...(token && { authToken: token }),
  };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return host === 'localhost';
  return LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

const TLS_VARIABLES = { cert: 'TEMPORAL_TLS_CERT', key: 'TEMPORAL_TLS_KEY', ca: 'TEMPORAL_TLS_CA', serverName: 'TEMPORAL_TLS_SERVER_NAME' } as const;

function tlsFiles(e: z.output<typeof envSchema>): TemporalConnectionSettings['tls'] {
  const files = { cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY, ca: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME };
  try {
    return readTlsFiles(files, (field) => TLS_VARIABLES[field]);
  } catch (err) {
    if (err instanceof ValidationError) throw new ConfigError(`invalid worker configuration:\n  ${err.issues.join('\n  ')}`);
    throw err;
  }
}

function gatewaySecret(inline: string | undefined, file: string | undefined): string {
  if (inline && file) throw new ConfigError('BOOTSHIFT_GATEWAY_SECRET and BOOTSHIFT_GATEWAY_SECRET_FILE: set only one');
  const secret = inline ?? (file ? readSecretFile('BOOTSHIFT_GATEWAY_SECRET_FILE', file) : undefined);
  if (!secret) throw new ConfigError('BOOTSHIFT_GATEWAY_SECRET or BOOTSHIFT_GATEWAY_SECRET_FILE: one is required');
  if (secret.length < 32) throw new ConfigError('BOOTSHIFT_GATEWAY_SECRET_FILE: the secret must be at least 32 characters');
  return secret;
}

/** A secret from a file only its owner can read: anyone who reads it can forge boot tokens. */
export function readSecretFile(variable: string, file: string): string {
  try {
    return readOwnerOnlyFile(file).trim();
  } catch (err) {
    if (err instanceof SecretFileProblem) throw new ConfigError(`${variable}: ${err.message}`);
    throw err;
  }
}
