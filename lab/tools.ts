// Where the project's self-built tools live. scripts/install-tools builds them into one cache directory outside the
// repo (so CI can keep it between runs); everything that launches a tool asks here instead of guessing paths.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOOTSHIFT_CACHE ?? path.join(homedir(), '.cache', 'bootshift');
}

export function toolBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'bin');
}

export type ToolName = 'temporal' | 'pulumi' | 'pulumi-language-nodejs' | 'pulumi-resource-pulumi-nodejs';

/** Absolute path of a built tool; throws a message that says how to get it when it is missing. */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const file = path.join(toolBinDir(env), name);
  if (!existsSync(file)) {
    throw new Error(`${name} not found at ${file}: run scripts/install-tools (it builds it from Go modules)`);
  }
  return file;
}

/** PATH with the tool directory first, for child processes such as the Pulumi CLI that look plugins up on PATH. */
export function pathWithTools(env: NodeJS.ProcessEnv = process.env): string {
  return [toolBinDir(env), env.PATH ?? ''].filter(Boolean).join(path.delimiter);
}
