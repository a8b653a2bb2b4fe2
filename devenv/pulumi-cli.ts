// Runs the Pulumi CLI built by scripts/install-tools against a local file backend, fully offline: no update checks,
// no plugin downloads, its own PULUMI_HOME. Tests, the main job and benchmarks drive `pulumi` through here.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { processesWithEnv, signalProcesses } from './processes';
import { repoRoot } from './tools';
import { pathWithTools, toolPath } from './tools';

export interface PulumiEnvOptions {
  /** Directory holding the file backend and PULUMI_HOME. */
  stateDir: string;
  passphrase: string;
  extraEnv?: Record<string, string>;
}

export interface PulumiRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function pulumiEnv(opts: PulumiEnvOptions): NodeJS.ProcessEnv {
  const backend = path.join(opts.stateDir, 'backend');
  const home = path.join(opts.stateDir, 'home');
  mkdirSync(backend, { recursive: true });
  mkdirSync(home, { recursive: true });
  return {
    ...process.env,
    PATH: pathWithTools(),
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: opts.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    ...opts.extraEnv,
  };
}

export interface RunPulumiOptions extends PulumiEnvOptions {
  cwd: string;
  /** Run in a fresh network namespace with only loopback up: proves the command needs no network at all. */
  offline?: boolean;
  /** Called with each chunk of output as it arrives (for live progress). */
  onOutput?: (chunk: string) => void;
  /** Aborting SIGKILLs the CLI and every plugin it started, as a crash of the machine running it would. */
  kill?: AbortSignal;
}

export async function runPulumi(args: string[], opts: RunPulumiOptions): Promise<PulumiRun> {
  const pulumi = toolPath('pulumi');
  const [command, argv] = opts.offline
    ? ['unshare', ['--net', '--', path.join(repoRoot(), 'devenv', 'offline-exec'), pulumi, ...args]]
    : [pulumi, args];
  const env = pulumiEnv(opts);
  // With a kill switch it gets its own process group, so the kill reaches the language host and provider plugins too.
  const child = spawn(command, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.kill !== undefined });
  // Pulumi starts its plugins in process groups of their own; they share this run's environment, though.
  const killGroup = () => signalProcesses([-child.pid!, ...processesWithEnv('PULUMI_HOME', env.PULUMI_HOME!)], 'SIGKILL');
  opts.kill?.addEventListener('abort', killGroup, { once: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => ((stdout += c), opts.onOutput?.(c)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => ((stderr += c), opts.onOutput?.(c)));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? -1));
  }).finally(() => opts.kill?.removeEventListener('abort', killGroup));
  return { code, stdout, stderr };
}
