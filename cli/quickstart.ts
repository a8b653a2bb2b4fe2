// The main job (`npm start`, `bootshift quickstart [--once]`): bring up the embedded environment, run `pulumi up` on
// examples/quickstart while showing each VM move placing -> booting -> migrating -> settled, print where every VM
// booted and settled and how long it took, point at the Temporal UI, and keep it all up until Ctrl-C (or, with
// --once, destroy the stack and tear everything down: what CI runs).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { vmWorkflowId } from '../domain';
import { type DevEnvRecord, clientEnv, connectDevEnv, startDevEnv, stopDevEnv } from '../devenv/dev-env';
import { guestImage, repoRoot } from '../devenv/tools';
import { runPulumi, type RunPulumiOptions } from '../devenv/pulumi-cli';
import { waitFor } from '../devenv/wait';
import type { VmStatus } from '../workflows/types';
import { summaryTable } from './vm/views';
import { watchVms } from './vm/watch';
import type { Command } from 'commander';
import type { CliContext } from './options';

export interface QuickstartOptions {
  stateDir: string;
  once: boolean;
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  /** Resolves when the user wants it all stopped (Ctrl-C); only used without `once`. */
  interrupted: Promise<void>;
}

const PROJECT = 'bootshift-quickstart';
const STACK = 'dev';
const VMS = ['web', 'api', 'jobs'];

export async function quickstart(opts: QuickstartOptions): Promise<VmStatus[]> {
  const say = (line: string) => opts.err.write(`==> ${line}\n`);
  rmSync(path.join(opts.stateDir, 'pulumi'), { recursive: true, force: true }); // each run starts a fresh stack
  say(`starting Temporal (with its Web UI), the lab (2 boot hosts + 1 settle host) and the worker in ${opts.stateDir}`);
  // Detached, so the Ctrl-C that ends the job reaches this process only, which then destroys the stack while the
  // worker and Temporal still run, and stops them last.
  const env = await startDevEnv({ stateDir: opts.stateDir, ui: true, detached: true });
  const { client, connection } = await connectDevEnv(env);
  try {
    say(`Temporal ${env.temporal.address}, Web UI ${env.temporal.uiUrl}, boot gateway ${env.worker.gatewayUrl}`);
    const pulumi = pulumiFor(env);
    await stackReady(pulumi);
    say('pulumi up examples/quickstart: 3 VMs (boot capacity is 2, so one waits in the ledger queue)');
    const up = pulumi(['up', '--yes', '--skip-preview']);
    const statuses = await watchProvisioning(client, opts.out, up);
    const result = await up;
    if (result.code !== 0) throw new Error(`pulumi up failed (log: ${pulumiLog(env)}):\n${result.stdout.slice(-3000)}\n${result.stderr}`);
    opts.out.write(`\n${summaryTable(statuses)}\n\n`);
    opts.out.write(`Temporal UI: ${env.temporal.uiUrl}\n`);
    opts.out.write(`in-flight migrations: ${env.temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('VmPhase="migrating"')}\n`);
    opts.out.write(`all bootshift VMs:    ${env.temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='provisionVm'")}\n`);
    if (env.metrics) {
      const boot = encodeURIComponent('bootshift_boot_duration_seconds_sum / bootshift_boot_duration_seconds_count');
      opts.out.write(`Prometheus:           ${env.metrics.prometheus.url}/graph?g0.expr=${boot}\n`);
    }
    if (!opts.once) {
      say('running; try `npx bootshift vm list` or `npx bootshift hosts` in another terminal. Ctrl-C destroys the stack and stops everything.');
      await opts.interrupted;
    }
    say('pulumi destroy');
    const destroyed = await pulumi(['destroy', '--yes', '--skip-preview']);
    if (destroyed.code !== 0) throw new Error(`pulumi destroy failed:\n${destroyed.stdout.slice(-3000)}\n${destroyed.stderr}`);
    return statuses;
  } finally {
    await connection.close();
    say('stopping the environment');
    await stopDevEnv(env.stateDir);
  }
}

type Pulumi = (args: string[]) => ReturnType<typeof runPulumi>;

function pulumiLog(env: DevEnvRecord): string {
  return path.join(env.stateDir, 'pulumi.log');
}

function pulumiFor(env: DevEnvRecord): Pulumi {
  const opts: RunPulumiOptions = {
    cwd: path.join(repoRoot(), 'examples', 'quickstart'),
    stateDir: path.join(env.stateDir, 'pulumi'),
    passphrase: 'quickstart',
    extraEnv: clientEnv(env),
  };
  mkdirSync(opts.stateDir, { recursive: true });
  return async (args) => {
    const run = await runPulumi([...args, '--non-interactive', '--stack', STACK], opts);
    writeFileSync(pulumiLog(env), `$ pulumi ${args.join(' ')}\n${run.stdout}\n${run.stderr}\n`, { flag: 'a' });
    return run;
  };
}

async function stackReady(pulumi: Pulumi): Promise<void> {
  const { kernel, initrd } = guestImage();
  const settings = [['stack', 'init'], ['config', 'set', 'kernel', kernel], ['config', 'set', 'initrd', initrd]];
  for (const args of settings) {
    const run = await pulumi(args);
    if (run.code !== 0) throw new Error(`pulumi ${args.join(' ')} failed: ${run.stderr}`);
  }
}

/** Waits for pulumi to start the VMs' workflows, then follows them; gives up if pulumi ends first. */
async function watchProvisioning(client: Client, out: NodeJS.WriteStream, up: Promise<unknown>): Promise<VmStatus[]> {
  const workflowIds = VMS.map((name) => vmWorkflowId(PROJECT, STACK, name));
  let pulumiEnded = false;
  void up.finally(() => (pulumiEnded = true));
  await waitFor(
    async () => {
      if (pulumiEnded) throw new Error('pulumi up ended before starting every VM');
      const found = await Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).describe().then(() => true, () => false)));
      return found.every(Boolean);
    },
    { timeoutMs: 300_000, intervalMs: 500, what: 'pulumi to start the VM workflows' },
  );
  return watchVms({ client, workflowIds, out });
}

export function registerQuickstartCommand(program: Command, ctx: CliContext): void {
  program
    .command('quickstart')
    .description('bring up the embedded environment and run examples/quickstart through bootshift, with live progress')
    .option('--once', 'tear everything down as soon as the VMs have settled (for CI)')
    .action(async (opts: { once?: boolean }, cmd: Command) => {
      // The global --state-dir, when given; otherwise a directory of its own, apart from `dev up`'s.
      const stateDir = (cmd.optsWithGlobals() as { stateDir?: string }).stateDir ?? path.join('.bootshift', 'quickstart');
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await quickstart({ stateDir: path.resolve(ctx.cwd, stateDir), once: opts.once ?? false, out: ctx.out, err: ctx.err, interrupted });
    });
}
