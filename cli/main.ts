#!/usr/bin/env node
// The `bootshift` command (package.json "bin"). The program is a function of its arguments and context returning the
// exit code: run on the real process when this file is the entry point, on strings in tests. Every error ends here
// and is mapped to one documented exit code.
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './check';
import { registerDevCommands } from './dev';
import { ExitCode, exitCodeFor, exitCodesHelp } from './errors';
import { registerHostCommands } from './hosts';
import { registerQuickstartCommand } from './quickstart';
import { registerReplayCommand } from './replay';
import { registerSetupCommand } from './setup';
import type { CliContext } from './options';
import { registerVmCommands } from './vm/commands';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('bootshift')
    .description('boot VMs on undersubscribed hosts, then live-migrate them to oversubscribed hosts')
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS, the dev environment, 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE, "default")')
    .option('--ui-url <url>', 'Temporal Web UI, for history links (default: $BOOTSHIFT_TEMPORAL_UI, the dev environment)')
    .option('--state-dir <dir>', 'dev environment state dir (default: $BOOTSHIFT_STATE_DIR, ./.bootshift/dev)')
    .option('--tls-cert <file>', 'client certificate for mutual TLS (default: $TEMPORAL_TLS_CERT)')
    .option('--tls-key <file>', 'client key for mutual TLS (default: $TEMPORAL_TLS_KEY)')
    .option('--tls-ca <file>', 'CA to verify the server with (default: $TEMPORAL_TLS_CA)')
    .option('--tls-server-name <name>', 'server name to verify (default: $TEMPORAL_TLS_SERVER_NAME)')
    .option('--codec-key-file <file>', 'payload encryption keys, as the worker has them (default: $BOOTSHIFT_CODEC_KEY_FILE, the dev environment)')
    .option('--database-url <url>', "the fleet ledger's PostgreSQL (default: $BOOTSHIFT_DATABASE_URL, the dev environment)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out.write(s), writeErr: (s) => ctx.err.write(s) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('afterAll', exitCodesHelp);
  registerDevCommands(program, ctx);
  registerVmCommands(program, ctx);
  registerHostCommands(program, ctx);
  registerQuickstartCommand(program, ctx);
  registerCheckCommand(program, ctx);
  registerSetupCommand(program, ctx);
  registerReplayCommand(program, ctx);
  return program;
}

export async function run(argv: string[], ctx: CliContext): Promise<ExitCode> {
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (err) {
    const code = exitCodeFor(err);
    // Commander has already printed its own usage errors.
    if (!(err instanceof CommanderError)) ctx.err.write(`bootshift: ${describe(err, code)}\n`);
    return code;
  }
}

function describe(err: unknown, code: ExitCode): string {
  if (!(err instanceof Error)) return String(err);
  // An unexpected error is a bug or an unforeseen failure: its stack is what a bug report needs.
  return code === ExitCode.Unexpected ? (err.stack ?? err.message) : err.message;
}

if (require.main === module) {
  // A reader that stops early (`bootshift vm list | head`) closes the pipe: that ends the command, it is not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  void run(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
    process.exitCode = code;
  });
}
