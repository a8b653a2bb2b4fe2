// The built `bootshift` command (lib/cli/main.js, as installed) run as a child process, for tests that check what an
// operator or a CI job sees: exit code, stdout and stderr. Connection settings come only from the arguments: nothing
// from the developer's shell may point it at another server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../devenv/tools';

export const BUILT_CLI = path.join(repoRoot(), 'lib', 'cli', 'main.js');

// The tools' cache is where the CLI finds what install-tools built: the only setting of the shell it keeps.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(TEMPORAL_|BOOTSHIFT_)/.test(key) || key === 'BOOTSHIFT_CACHE'));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
}

/** Starts the CLI; `stdout()` shows its output so far, for commands a test interleaves with others. */
export function startBuiltCli(args: string[], timeoutMs = 180_000): { stdout: () => string; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  const run = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (run.stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (run.stderr += String(chunk)));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, ...run })));
  return { stdout: () => run.stdout, done };
}

export function runBuiltCli(args: string[], timeoutMs = 180_000): Promise<CliRun> {
  return startBuiltCli(args, timeoutMs).done;
}
