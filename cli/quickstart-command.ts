// `bootshift quickstart [--once]`: the main job as a command (npm start runs it). Without --once it stays up until
// Ctrl-C; with --once it destroys the stack and tears everything down as soon as the VMs have settled.
import path from 'node:path';
import type { Command } from 'commander';
import { quickstart } from './quickstart';
import type { CliContext } from './options';

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
