// `bootshift hosts` and `bootshift host drain`: the fleet ledger's snapshot query and its drainHost update. What an
// operator reads is the ledger's own snapshot, exactly what placement decides on (nothing is recomputed but the
// capacity column). The ledger workflow starts with the first VM reserved in a fleet, so "not found" usually means
// nothing was provisioned there yet, and the message says so.
import type { Command } from 'commander';
import { z } from 'zod';
import { type HostSnapshot, type LedgerSnapshot, ledgerWorkflowId, nameSchema } from '../domain';
import { drainHostUpdate, getLedgerSnapshotQuery } from '../workflows/messages';
import { CliError, ExitCode } from './errors';
import { type CliContext, jsonFlag, optionsFor, parseFlags, withClient } from './options';
import { renderTable, writeJson } from './output';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';

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

/** used/capacity; a host whose policy sets no vCPU limit shows its used count against "-". */
export function vcpuColumn(h: HostSnapshot): string {
  return `${h.vcpusUsed}/${h.freeVcpus === null ? '-' : h.vcpusUsed + h.freeVcpus}`;
}

export function renderHosts(s: LedgerSnapshot): string {
  const heading = `fleet ${s.fleet}: ${s.counts.hosts} hosts, ${s.counts.vms} VMs, ${s.counts.queued} queued for a boot host`;
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
  return `${heading}\n\n${hosts}\n\n${queue}`;
}

export async function onLedger<T>(client: Client, fleet: string, fn: (ledger: WorkflowHandle) => Promise<T>): Promise<T> {
  const workflowId = ledgerWorkflowId(fleet);
  try {
    return await fn(client.workflow.getHandle(workflowId));
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    throw new CliError(ExitCode.NotFound, `no ledger for fleet "${fleet}" (workflow ${workflowId}): it starts with the first VM provisioned in that fleet`);
  }
}
