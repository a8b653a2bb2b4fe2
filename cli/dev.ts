// `bootshift dev up|down|status|env`: the embedded environment (devenv/dev-env.ts) as a long-lived thing a developer
// starts once and points the other commands, Pulumi and the Temporal UI at. Everything started is recorded in env.json
// in the state dir, which is how `down` stops exactly that and how the other commands find Temporal. `up` and `status`
// print where each part is and whether the processes recorded are still the ones that were started; `up` and `env`
// print the settings a Pulumi project elsewhere needs (shell exports, or `pulumi config set` lines), so nobody has
// to dig ports out of env.json.
import type { Command } from 'commander';
import { z } from 'zod';
import { type DevEnvRecord, clientEnv, readDevEnv, startDevEnv, stopDevEnv } from '../devenv/dev-env';
import { isSameProcess } from '../devenv/processes';
import { CliError, ExitCode } from './errors';
import { type CliContext, intFlag, jsonFlag, parseFlags, resolveStateDir } from './options';
import { writeJson } from './output';
import path from 'node:path';

const ours = isSameProcess;

const upSchema = z.object({ boot: intFlag(1, 16), settle: intFlag(0, 16), simulated: z.boolean().default(false), ui: z.boolean(), json: jsonFlag });

export function registerDevCommands(program: Command, ctx: CliContext): void {
  const dev = program.command('dev').description('the embedded environment: Temporal dev server + Web UI, lab hosts, worker, boot gateway');
  const show = (record: DevEnvRecord, health: DevEnvHealth, json: boolean): void => {
    if (json) writeJson(ctx.out, { ...health, env: record });
    else ctx.out.write(`${renderDevEnv(record, health)}\n`);
  };

  dev
    .command('up')
    .description('start it in the background (state dir: --state-dir, $BOOTSHIFT_STATE_DIR or ./.bootshift/dev) and print where everything is')
    .option('--boot <n>', 'boot (undersubscribed) hosts', '2')
    .option('--settle <n>', 'settle (oversubscribed) hosts', '1')
    .option('--simulated', 'simulated hypervisor instead of libvirt lab hosts (no libvirt needed)')
    .option('--no-ui', 'do not serve the Temporal Web UI')
    .option('--json', 'print the environment record as JSON')
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(upSchema, cmd.opts());
      const stateDir = resolveStateDir(cmd.optsWithGlobals(), ctx);
      const existing = readDevEnv(stateDir);
      if (existing && devEnvHealth(existing, ours).running) {
        ctx.err.write(`already running (stop it first with \`bootshift dev down --state-dir ${stateDir}\` to change it)\n`);
        return show(existing, devEnvHealth(existing, ours), flags.json);
      }
      ctx.err.write(`starting the dev environment in ${stateDir}...\n`);
      const hypervisor = flags.simulated ? 'simulated' : 'libvirt';
      const record = await startDevEnv({ stateDir, detached: true, persistent: true, boot: flags.boot, settle: flags.settle, ui: flags.ui, hypervisor });
      show(record, devEnvHealth(record, ours), flags.json);
      if (flags.json) return;
      ctx.out.write(`\nA Pulumi project elsewhere uses it with these settings (\`eval "$(bootshift dev env --state-dir ${stateDir})"\`):\n`);
      ctx.out.write(`${shellExports(clientEnv(record))}\n`);
      ctx.out.write(`or, as stack config: bootshift dev env --state-dir ${stateDir} --format pulumi\n`);
      ctx.out.write(`\nstop it with: bootshift dev down --state-dir ${stateDir}\n`);
    });

  dev
    .command('env')
    .description('print the settings a Pulumi project or a shell needs to use the dev environment')
    .option('--format <format>', '"shell" (export lines, for eval) or "pulumi" (pulumi config set lines for the current stack)', 'shell')
    .action((_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ format: z.enum(['shell', 'pulumi'], { error: 'must be "shell" or "pulumi"' }) }), cmd.opts());
      const stateDir = resolveStateDir(cmd.optsWithGlobals(), ctx);
      const record = readDevEnv(stateDir);
      if (!record) throw new CliError(ExitCode.Unreachable, `no dev environment recorded in ${stateDir} (start one with \`bootshift dev up\`)`);
      ctx.out.write(`${flags.format === 'shell' ? shellExports(clientEnv(record)) : pulumiConfigLines(record)}\n`);
    });

  dev
    .command('down')
    .description('stop exactly what `dev up` started in the state dir (Temporal state in temporal.db is kept)')
    .action(async (_opts, cmd: Command) => {
      const stateDir = resolveStateDir(cmd.optsWithGlobals(), ctx);
      const stopped = await stopDevEnv(stateDir);
      ctx.err.write(stopped ? `stopped the dev environment in ${stateDir}\n` : `no dev environment recorded in ${stateDir}; nothing to stop\n`);
    });

  dev
    .command('status')
    .description('whether the dev environment in the state dir runs (exit 4 when not), and where everything is')
    .option('--json', 'machine-readable output')
    .action((_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ json: jsonFlag }), cmd.opts());
      const stateDir = resolveStateDir(cmd.optsWithGlobals(), ctx);
      const record = readDevEnv(stateDir);
      if (!record) throw new CliError(ExitCode.Unreachable, `no dev environment recorded in ${stateDir} (start one with \`bootshift dev up\`)`);
      const health = devEnvHealth(record, ours);
      show(record, health, flags.json);
      if (!health.running) throw new CliError(ExitCode.Unreachable, `the dev environment in ${stateDir} is not running`);
    });
}

/** `export NAME='value'` lines, each value single-quoted for a POSIX shell. */
export function shellExports(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join('\n');
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The same settings as stack config of the Pulumi project in the current directory (the provider reads `bootshift:*`
 * first). The payload encryption keys go in as a secret, read from their file when the line runs, so they are never
 * printed.
 */
export function pulumiConfigLines(record: DevEnvRecord): string {
  const env = clientEnv(record);
  const set = (key: string, value: string | undefined) => (value === undefined ? [] : [`pulumi config set bootshift:${key} ${shellQuote(value)}`]);
  return [
    ...set('temporalAddress', env.TEMPORAL_ADDRESS),
    ...set('namespace', env.TEMPORAL_NAMESPACE),
    ...set('taskQueue', env.BOOTSHIFT_TASK_QUEUE),
    ...set('fleet', env.BOOTSHIFT_FLEET),
    ...set('temporalUiUrl', env.BOOTSHIFT_TEMPORAL_UI),
    `pulumi config set --secret bootshift:codecKeys -- "$(cat ${shellQuote(record.codecKeyFile)})"`,
  ].join('\n');
}

export interface DevEnvHealth {
  running: boolean;
  components: Array<{ name: 'temporal' | 'postgres' | 'worker' | 'prometheus'; pid: number; running: boolean }>;
}

/** `ours(pid, startTime)`: the pid is alive and still the process that was started under it. */
export function devEnvHealth(record: DevEnvRecord, ours: (pid: number, startTime: string | undefined) => boolean): DevEnvHealth {
  const components = [
    { name: 'temporal' as const, pid: record.temporal.pid, running: ours(record.temporal.pid, record.temporal.startTime) },
    { name: 'postgres' as const, pid: record.ledger.pid, running: ours(record.ledger.pid, record.ledger.startTime) },
    { name: 'worker' as const, pid: record.worker.pid, running: ours(record.worker.pid, record.worker.startTime) },
    ...(record.metrics
      ? [{ name: 'prometheus' as const, pid: record.metrics.prometheus.pid, running: ours(record.metrics.prometheus.pid, record.metrics.prometheus.startTime) }]
      : []),
  ];
  return { running: components.every((c) => c.running), components };
}

export function renderDevEnv(r: DevEnvRecord, health: DevEnvHealth): string {
  const state = (name: string) => {
    const c = health.components.find((x) => x.name === name)!;
    return `pid ${c.pid}, ${c.running ? 'running' : 'NOT running'}`;
  };
  const rows: Array<[string, string]> = [
    ['temporal', `${r.temporal.address} (${state('temporal')})`],
    ['web ui', r.temporal.uiUrl ?? '- (started with --no-ui)'],
    ['ledger', `${r.ledger.databaseUrl} (${state('postgres')})`],
    ['worker', `task queue ${r.taskQueue} (${state('worker')})`],
    ['gateway', r.worker.gatewayUrl],
    ['metrics', r.metrics ? r.metrics.endpoint : '- (off)'],
    ...(r.metrics ? [['prometheus', `${r.metrics.prometheus.url} (${state('prometheus')})`] as [string, string]] : []),
    ['fleet', `${r.fleet}: ${r.labDir ? `libvirt lab hosts in ${r.labDir}` : 'simulated hosts'}`],
    ['inventory', r.inventoryFile],
    ['worker log', r.worker.logFile],
    ['temporal log', path.join(r.stateDir, 'temporal.log')],
    ['consoles', r.consoleDir],
  ];
  const title = `bootshift dev environment in ${r.stateDir}: ${health.running ? 'running' : 'NOT running'}`;
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(13)}${v}`)].join('\n');
}
