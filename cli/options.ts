// Where the CLI finds Temporal, decided once per invocation: flags, then environment variables, then the running dev
// environment's env.json, then the local default. Every value is validated here, and an invalid one is reported under
// the name of the place it came from (`TEMPORAL_ADDRESS: must be host:port`), so the user knows what to fix.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { nameSchema } from '../domain';
import { envFile, readDevEnv, type DevEnvRecord } from '../devenv/dev-env';
import { usageError } from './exit-codes';

export const DEFAULT_STATE_DIR = path.join('.bootshift', 'dev');
export const DEFAULT_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_FLEET = 'lab';

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
}

export interface CliOptions {
  address: string;
  namespace: string;
  uiUrl: string | null;
  stateDir: string;
  fleet: string;
  /** The dev environment the address points at, when it came from (or matches) env.json. */
  devEnv: DevEnvRecord | undefined;
  /** Where `address` came from, for the "cannot reach Temporal" message. */
  addressSource: string;
}

const optionsSchema = z.object({
  address: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, { error: 'must be host:port' }),
  namespace: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, { error: 'must be a namespace name (A-Z, a-z, 0-9, "._-")' }),
  uiUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => u.replace(/\/+$/, '')).nullable(),
  fleet: nameSchema,
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
  };
  const values = Object.fromEntries(Object.entries(sources).map(([key, [value]]) => [key, value]));
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const label = (key: PropertyKey) => sources[key as keyof typeof sources][1];
    throw usageError(parsed.error.issues.map((i) => `${label(i.path[0]!)}: ${i.message}`).join('\n'));
  }
  return { ...parsed.data, stateDir, devEnv, addressSource: sources.address[1] };
}

/** The options of a running command: its own flags and the program's, from the real env.json. */
export const optionsFor = (cmd: Command, ctx: CliContext): CliOptions => resolveOptions(cmd.optsWithGlobals<GlobalFlags>(), ctx, readDevEnv);
