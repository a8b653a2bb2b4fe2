// `bootshift hosts` and `bootshift host drain`: the fleet ledger's snapshot query and its drainHost update.
import type { Command } from 'commander';
import { z } from 'zod';
import { nameSchema } from '../domain';
import { drainHostUpdate, getLedgerSnapshotQuery } from '../workflows/messages';
import { CliError, ExitCode } from './exit-codes';
import { jsonFlag, parseFlags } from './flags';
import { renderHosts } from './hosts-view';
import { onLedger } from './ledger';
import { optionsFor, type CliContext } from './options';
import { writeJson } from './output';
import { withClient } from './temporal-client';

const FLEET_FLAG = ['--fleet <name>', 'fleet (default: the dev environment\'s, else "lab")'] as const;

export function registerHostCommands(program: Command, ctx: CliContext): void {
  program
    .command('hosts')
    .description('the fleet ledger: each host with its pool, state, VMs, vCPUs used/capacity and free memory; the boot queue')
    .option(...FLEET_FLAG)
    .option('--json', 'machine-readable output (the ledger snapshot)')
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ json: jsonFlag }), cmd.opts());
      const opts = optionsFor(cmd, ctx);
      const snapshot = await withClient(opts, (client) => onLedger(client, opts.fleet, (ledger) => ledger.query(getLedgerSnapshotQuery)));
      if (flags.json) writeJson(ctx.out, snapshot);
      else ctx.out.write(`${renderHosts(snapshot)}\n`);
    });

  const host = program.command('host').description('act on one host of the fleet');
  host
    .command('drain')
    .description('stop placing VMs on a host; the VMs already there stay')
    .argument('<name>', 'host name, as in the inventory')
    .option(...FLEET_FLAG)
    .action(async (name: string, _opts, cmd: Command) => {
      const { NAME } = parseFlags(z.object({ NAME: nameSchema }), { NAME: name });
      const opts = optionsFor(cmd, ctx);
      const result = await withClient(opts, (client) =>
        onLedger(client, opts.fleet, (ledger) => ledger.executeUpdate(drainHostUpdate, { args: [{ host: NAME }] })),
      );
      if (result.status === 'unknown') throw new CliError(ExitCode.NotFound, `no host "${NAME}" in fleet "${opts.fleet}"`);
      ctx.out.write(`host ${NAME} in fleet ${opts.fleet}: ${result.status}\n`);
    });
}
