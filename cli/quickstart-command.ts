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
    .option('--state-dir <dir>', 'where the environment keeps its state and logs', path.join('.bootshift', 'quickstart'))
    .action(async (opts: { once?: boolean; stateDir: string }) => {
      const interrupted = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await quickstart({ stateDir: path.resolve(ctx.cwd, opts.stateDir), once: opts.once ?? false, out: ctx.out, err: ctx.err, interrupted });
    });
}
