// Commands take a VM as its name (what people type) or its workflow id (what scripts and the Pulumi outputs carry).
// A name is looked up through visibility and must match exactly one VM workflow: the same name in two stacks is
// ambiguous, and the message lists the workflow ids to use instead.
import type { Client } from '@temporalio/client';
import { NAME_PATTERN } from '../domain';
import { CliError, ExitCode, usageError } from './exit-codes';
import { listVms, VM_WORKFLOW_TYPE, vmNamesQuery, type VmRow } from './vm-query';

export interface VmRef {
  workflowId: string;
  runId: string;
}

export type VmArg = { name: string } | { workflowId: string };

/** VM workflow ids are `vm/<project>/<stack>/<name>`, and names cannot contain "/", so one character tells them apart. */
export function parseVmArg(arg: string): VmArg {
  if (arg.includes('/')) return { workflowId: arg };
  if (NAME_PATTERN.test(arg)) return { name: arg };
  throw usageError(`NAME|WORKFLOW_ID: "${arg}" is neither a VM name (a-z, 0-9 and "-", starting with a letter) nor a workflow id (contains "/")`);
}

/** The one VM workflow a name designates; of several runs of the same workflow id, the newest. */
export function pickVm(name: string, rows: VmRow[]): VmRow {
  const byId = new Map<string, VmRow>();
  for (const row of rows) {
    const seen = byId.get(row.workflowId);
    if (!seen || row.startTime > seen.startTime) byId.set(row.workflowId, row);
  }
  const matches = [...byId.values()];
  if (matches.length === 0) throw new CliError(ExitCode.NotFound, `no VM named "${name}"`);
  if (matches.length > 1) {
    const ids = matches.map((r) => `  ${r.workflowId}`).join('\n');
    throw new CliError(ExitCode.NotFound, `VM name "${name}" is ambiguous; use one of these workflow ids:\n${ids}`);
  }
  return matches[0]!;
}

export async function resolveVm(client: Client, arg: VmArg): Promise<VmRef> {
  if ('name' in arg) {
    const row = pickVm(arg.name, await listVms(client, vmNamesQuery([arg.name])));
    return { workflowId: row.workflowId, runId: row.runId };
  }
  const described = await client.workflow.getHandle(arg.workflowId).describe();
  if (described.type !== VM_WORKFLOW_TYPE) {
    throw new CliError(ExitCode.NotFound, `workflow ${arg.workflowId} is a ${described.type} workflow, not a VM (${VM_WORKFLOW_TYPE})`);
  }
  return { workflowId: arg.workflowId, runId: described.runId };
}
