// `bootshift hosts`, `bootshift host drain` and `bootshift clear-leaked`: the fleet ledger, read from and changed in
// its PostgreSQL. What an operator reads is exactly what placement decides on (nothing is recomputed but the capacity
// column), including capacity held for domains that could not be destroyed ("leaked"), which stays counted as used
// until a decommission finds the domain gone or an operator, having made sure of it, clears it here.
import type { Command } from 'commander';
import { z } from 'zod';
import { idSchema, nameSchema, type HostSnapshot, type LedgerSnapshot } from '../domain';
import { CliError, ExitCode } from './errors';
import { type CliContext, jsonFlag, optionsFor, parseFlags, withLedger } from './options';
import { renderTable, writeJson } from './output';

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
      const snapshot = await withLedger(opts, (ledger) => ledger.snapshot(opts.fleet));
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
      const result = await withLedger(opts, (ledger) => ledger.drainHost(opts.fleet, { host: NAME }));
      if (result.status === 'unknown') throw new CliError(ExitCode.NotFound, `no host "${NAME}" in fleet "${opts.fleet}"`);
      ctx.out.write(`host ${NAME} in fleet ${opts.fleet}: ${result.status}\n`);
    });

  program
    .command('clear-leaked')
    .description("free the capacity held for a VM whose domain could not be destroyed, once you made sure it is gone")
    .argument('<vm-id>', 'the VM id, as `bootshift hosts` lists it (vm/<project>/<stack>/<name>)')
    .option(...FLEET_FLAG)
    .action(async (vmId: string, _opts, cmd: Command) => {
      const { VM_ID } = parseFlags(z.object({ VM_ID: idSchema }), { VM_ID: vmId });
      const opts = optionsFor(cmd, ctx);
      const result = await withLedger(opts, (ledger) => ledger.clearLeaked(opts.fleet, { vmId: VM_ID }));
      if (result.reservations.length === 0) throw new CliError(ExitCode.NotFound, `${VM_ID} holds no leaked capacity in fleet "${opts.fleet}"`);
      ctx.out.write(`cleared ${result.reservations.length} leaked reservation(s) of ${VM_ID}: ${result.reservations.join(', ')}\n`);
    });
}

/** used/capacity; a host whose policy sets no vCPU limit shows its used count against "-". */
export function vcpuColumn(h: HostSnapshot): string {
  return `${h.vcpusUsed}/${h.freeVcpus === null ? '-' : h.vcpusUsed + h.freeVcpus}`;
}

export function renderHosts(s: LedgerSnapshot): string {
  const heading = `fleet ${s.fleet}: ${s.counts.hosts} hosts, ${s.counts.vms} VMs, ${s.counts.queued} queued for a boot host, ${s.counts.leaked} leaked`;
  const hosts = renderTable(
    ['HOST', 'POOL', 'STATE', 'VMS', 'VCPUS', 'FREE MEMORY', 'VM IDS'],
    s.hosts.map((h) => [h.name, h.pool, h.state, h.vms.length, vcpuColumn(h), `${h.freeMemoryMiB} MiB`, h.vms.join(', ') || '-']),
  );
  const queue =
    s.queue.length === 0
      ? 'boot queue: empty'
      : `boot queue:\n${renderTable(
          ['POS', 'VM', 'VCPUS', 'MEMORY', 'RESERVATION'],
          s.queue.map((q) => [q.position, q.vmId, q.vcpus, `${q.memoryMiB} MiB`, q.reservationId]),
        )}`;
  const leaked =
    s.leaked.length === 0
      ? 'leaked: none'
      : `leaked (held until decommissioned or cleared with \`bootshift clear-leaked\`):\n${renderTable(
          ['VM', 'HOST', 'VCPUS', 'MEMORY', 'SINCE', 'REASON'],
          s.leaked.map((l) => [l.vmId, l.host, l.vcpus, `${l.memoryMiB} MiB`, l.since, l.reason]),
        )}`;
  return `${heading}\n\n${hosts}\n\n${queue}\n\n${leaked}`;
}
