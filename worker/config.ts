// The worker's configuration, read from the environment exactly once at process start and validated with zod, so a
// missing or malformed setting stops the worker with a message naming the variable, before it touches anything.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError, formatIssues } from '../domain';
import { HOST_PORT, NAMESPACE, readTlsFiles, type TemporalConnectionSettings } from './temporal-connection';

const hostPort = z.string().regex(HOST_PORT, { error: 'must be host:port' });
const optionalPath = z.string().min(1, { error: 'must be a file path' }).optional();

const envSchema = z.object({
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().regex(NAMESPACE, { error: 'must be a namespace name' }).default('default'),
  TEMPORAL_TLS_CERT: optionalPath,
  TEMPORAL_TLS_KEY: optionalPath,
  TEMPORAL_TLS_CA: optionalPath,
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  BOOTSHIFT_TASK_QUEUE: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, { error: 'must be a task queue name' }).default('bootshift'),
  BOOTSHIFT_INVENTORY: z.string({ error: 'is required (path of the fleet inventory, YAML or JSON)' }).min(1),
  BOOTSHIFT_HYPERVISOR: z.enum(['libvirt', 'simulated'], { error: 'must be "libvirt" or "simulated"' }).default('libvirt'),
  BOOTSHIFT_GATEWAY_LISTEN: z.union([z.literal('off'), hostPort]).default('127.0.0.1:8787'),
  /** What guests use to reach the gateway; user-mode networking maps the host's loopback to 10.0.2.2. */
  BOOTSHIFT_GATEWAY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  BOOTSHIFT_GATEWAY_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  BOOTSHIFT_GATEWAY_SECRET_FILE: optionalPath,
  BOOTSHIFT_GATEWAY_RATE_LIMIT: z.coerce.number().int().positive({ error: 'must be a positive integer' }).default(120),
  BOOTSHIFT_CONSOLE_DIR: optionalPath,
  BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS: z.coerce.number().int().positive({ error: 'must be a positive integer (MiB/s)' }).optional(),
  /** Simulated hypervisor only: how long a simulated boot and a simulated live migration take. */
  BOOTSHIFT_SIM_BOOT_MS: z.coerce.number().int().nonnegative({ error: 'must be a non-negative integer' }).default(1000),
  BOOTSHIFT_SIM_MIGRATE_MS: z.coerce.number().int().nonnegative({ error: 'must be a non-negative integer' }).default(1000),
  /** Simulated hypervisor only: keep the simulated fleet in this file so it survives worker restarts. */
  BOOTSHIFT_SIM_STATE_FILE: optionalPath,
  BOOTSHIFT_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error'], { error: 'must be a log level' }).default('info'),
});

export interface WorkerConfig {
  temporal: TemporalConnectionSettings & { taskQueue: string };
  inventoryFile: string;
  hypervisor: 'libvirt' | 'simulated';
  gateway: { listen: { host: string; port: number } | null; publicUrl: string; secret: string; rateLimitPerMinute: number };
  simulated: { bootMs: number; migrateMs: number; stateFile?: string };
  consoleDir?: string;
  migrationBandwidthMiBps?: number;
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
  const publicUrl = e.BOOTSHIFT_GATEWAY_URL ?? (listen ? `http://10.0.2.2:${listen.port}` : undefined);
  if (!publicUrl) throw new ConfigError('BOOTSHIFT_GATEWAY_URL: is required when BOOTSHIFT_GATEWAY_LISTEN is off');
  return {
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.BOOTSHIFT_TASK_QUEUE, ...(tls && { tls }) },
    inventoryFile: e.BOOTSHIFT_INVENTORY,
    hypervisor: e.BOOTSHIFT_HYPERVISOR,
    gateway: {
      listen,
      publicUrl,
      secret: gatewaySecret(e.BOOTSHIFT_GATEWAY_SECRET, e.BOOTSHIFT_GATEWAY_SECRET_FILE),
      rateLimitPerMinute: e.BOOTSHIFT_GATEWAY_RATE_LIMIT,
    },
    simulated: {
      bootMs: e.BOOTSHIFT_SIM_BOOT_MS,
      migrateMs: e.BOOTSHIFT_SIM_MIGRATE_MS,
      ...(e.BOOTSHIFT_SIM_STATE_FILE && { stateFile: e.BOOTSHIFT_SIM_STATE_FILE }),
    },
    ...(e.BOOTSHIFT_CONSOLE_DIR && { consoleDir: e.BOOTSHIFT_CONSOLE_DIR }),
    ...(e.BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS && { migrationBandwidthMiBps: e.BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS }),
    logLevel: e.BOOTSHIFT_LOG_LEVEL,
  };
}

function splitHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (port > 65535) throw new ConfigError('BOOTSHIFT_GATEWAY_LISTEN: port must be at most 65535');
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
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
  const secret = inline ?? (file ? readFileSync(file, 'utf8').trim() : undefined);
  if (!secret) throw new ConfigError('BOOTSHIFT_GATEWAY_SECRET or BOOTSHIFT_GATEWAY_SECRET_FILE: one is required');
  if (secret.length < 32) throw new ConfigError('BOOTSHIFT_GATEWAY_SECRET_FILE: the secret must be at least 32 characters');
  return secret;
}
