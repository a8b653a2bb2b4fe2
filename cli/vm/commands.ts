// `bootshift vm list|status|watch|signal-boot`: flags wired to the query, view and watch modules beside this file;
// each command validates its input before it connects, so a typo is exit 2 even with Temporal down. signal-boot is
// the operator's override for a guest that cannot phone home: the same bootComplete update the gateway sends, marked
// `source: 'manual'` with who sent it; the workflow refuses it (exit 5, with its reason) unless the VM is waiting for
// its boot to complete.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { z } from 'zod';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { bootCompleteUpdate, getStatusQuery } from '../../workflows/messages';
import { type CliContext, jsonFlag, optionsFor, parseFlags, withClient } from '../options';
import { writeJson } from '../output';
import { listVms, parseVmArg, resolveVm, VM_PHASES, vmListQuery } from './query';
import { renderVmList, renderVmStatus, statusReport, summaryTable } from './views';
import { watchVms } from './watch';
import type { BootCompleteEvent } from '../../workflows/types';
import { CliError, ExitCode } from '../errors';

const VM_ARG = ['<vm>', 'VM name, or its workflow id (vm/<project>/<stack>/<name>)'] as const;
const oneOf = (values: readonly string[]) => ({ error: `must be one of ${values.join(', ')}` });

export function registerVmCommands(program: Command, ctx: CliContext): void {
  const vm = program.command('vm').description('VM workflows: list, status, watch, operator override');

  vm.command('list')
    .description('list VM workflows, newest first, with their phase and hosts (from Temporal visibility)')
    .option('--phase <phase>', `only VMs in this phase (${VM_PHASES.join(', ')})`)
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      const flags = parseFlags(z.object({ phase: z.enum(VM_PHASES, oneOf(VM_PHASES)).optional(), json: jsonFlag }), cmd.opts());
      const rows = await withClient(optionsFor(cmd, ctx), (client) => listVms(client, vmListQuery({ phase: flags.phase })));
      if (flags.json) writeJson(ctx.out, rows);
      else ctx.out.write(`${renderVmList(rows)}\n`);
    });

  vm.command('status')
    .description("one VM's phase, hosts, timings, migration progress and attempts, and a link to its history")
    .argument(...VM_ARG)
    .option('--json', 'machine-readable output')
    .action(async (ref: string, _opts, cmd: Command) => {
      const flags = parseFlags(z.object({ json: jsonFlag }), cmd.opts());
      const arg = parseVmArg(ref);
      const opts = optionsFor(cmd, ctx);
      const report = await withClient(opts, async (client) => {
        const vmRef = await resolveVm(client, arg);
        const status = await client.workflow.getHandle(vmRef.workflowId, vmRef.runId).query(getStatusQuery);
        return statusReport(status, vmRef, opts);
      });
      if (flags.json) writeJson(ctx.out, report);
      else ctx.out.write(`${renderVmStatus(report)}\n`);
    });

  vm.command('watch')
    .description('follow VMs until each is done, then print a summary table (exit 0 whatever phase they end in: check it with --json)')
    .argument('[vms...]', 'VM names or workflow ids (default: every VM workflow still running)')
    .option('--until <phase>', 'settled: a final phase (settled, unsettled, failed, decommissioned); booted: boot complete', 'settled')
    .option('--json', 'print the final statuses as JSON (the progress view goes to stderr)')
    .action(async (refs: string[], _opts, cmd: Command) => {
      const flags = parseFlags(z.object({ until: z.enum(['settled', 'booted'], oneOf(['settled', 'booted'])), json: jsonFlag }), cmd.opts());
      const args = refs.map(parseVmArg);
      const statuses = await withClient(optionsFor(cmd, ctx), async (client) => {
        const target =
          args.length === 0
            ? { vmNamesQuery: vmListQuery({ running: true }) }
            : { workflowIds: (await Promise.all(args.map((a) => resolveVm(client, a)))).map((r) => r.workflowId) };
        return watchVms({ ...target, client, until: flags.until, out: flags.json ? ctx.err : ctx.out });
      });
      if (flags.json) writeJson(ctx.out, statuses);
      else ctx.out.write(statuses.length === 0 ? 'no running VM workflows\n' : `\n${summaryTable(statuses)}\n`);
    });

  vm.command('signal-boot')
    .description('operator override: tell a booting VM its boot is complete (recorded in its history as source "manual")')
    .argument(...VM_ARG)
    .option('--operator <who>', 'who is overriding, kept in the history (default: your user name)')
    .action(async (ref: string, _opts, cmd: Command) => {
      const printable = z.string().regex(/^[^\u0000-\u001f\u007f]{1,100}$/, { error: 'must be 1-100 printable characters' });
      const { operator } = parseFlags(z.object({ operator: printable.default(ctx.env.USER || userInfo().username) }), cmd.opts());
      const arg = parseVmArg(ref);
      const status = await withClient(optionsFor(cmd, ctx), async (client) => {
        const vmRef = await resolveVm(client, arg);
        const handle = client.workflow.getHandle(vmRef.workflowId, vmRef.runId);
        const current = await handle.query(getStatusQuery);
        // A closed workflow takes no update at all; a running one decides by its own rule (the validator).
        if ((await handle.describe()).status.name !== 'RUNNING') {
          throw new CliError(ExitCode.Refused, `VM ${current.name} is ${current.phase}: its provisioning is over`);
        }
        try {
          await handle.executeUpdate(bootCompleteUpdate, { args: [manualBootEvent(operator)] });
        } catch (err) {
          // The workflow's own rule (booting, domain defined, not reported yet) says no: exit 5, with its reason.
          if (err instanceof WorkflowUpdateFailedError) throw new CliError(ExitCode.Refused, `VM ${current.name}: ${err.cause?.message ?? err.message}`);
          throw err;
        }
        return current;
      });
      ctx.out.write(`boot complete accepted by VM ${status.name} (${status.vmId}) on behalf of ${operator}\n`);
    });
}

export function manualBootEvent(operator: string): BootCompleteEvent {
  return { source: 'manual', detail: { via: 'cli', operator } };
}
