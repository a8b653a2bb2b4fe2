// VMs are found through Temporal visibility: every provisionVm workflow keeps the search attributes VmName, VmPhase,
// VmHost, BootHost and SettleHost up to date, so listing VMs needs no database of our own. Values put into a query
// are validated names or phases, never free text, so a query cannot be altered by what it searches for. Commands take
// a VM as its name (what people type) or its workflow id (what scripts and the Pulumi outputs carry); a name must
// match exactly one VM workflow, else the message lists the workflow ids to use instead.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { bootHostKey, settleHostKey, vmHostKey, vmNameKey, vmPhaseKey } from '../../workflows/messages';
import type { VmPhase } from '../../workflows/types';
import { NAME_PATTERN } from '../../domain';
import { CliError, ExitCode, usageError } from '../errors';

export const VM_WORKFLOW_TYPE = 'provisionVm';

// A record, so that adding a phase to VmPhase without listing it here does not compile.
const PHASES: Record<VmPhase, true> = { placing: true, booting: true, migrating: true, settled: true, unsettled: true, failed: true, decommissioned: true };
export const VM_PHASES = Object.keys(PHASES) as VmPhase[];

const ofType = `WorkflowType = '${VM_WORKFLOW_TYPE}'`;

export function vmListQuery(filter: { phase?: VmPhase; running?: boolean } = {}): string {
  return [ofType, filter.phase && `VmPhase = '${filter.phase}'`, filter.running && `ExecutionStatus = 'Running'`].filter(Boolean).join(' AND ');
}

/** The query selecting the VM workflows of these (validated) VM names, for `watchVms({ vmNamesQuery })`. */
export function vmNamesQuery(names: readonly string[]): string {
  return `${ofType} AND (${names.map((n) => `VmName = '${n}'`).join(' OR ')})`;
}

export interface VmRow {
  name: string | null;
  phase: VmPhase | null;
  host: string | null;
  bootHost: string | null;
  settleHost: string | null;
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED... */
  workflowStatus: string;
  startTime: string;
  closeTime: string | null;
}

type ListedExecution = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes' | 'searchAttributes'>;

function attribute(info: ListedExecution, key: SearchAttributeKey<'KEYWORD'>): string | null {
  const typed = info.typedSearchAttributes?.get(key);
  if (typeof typed === 'string') return typed;
  // Servers that return untyped attributes (no type metadata) still give the value as a one-element list.
  const untyped = info.searchAttributes?.[key.name]?.[0];
  return typeof untyped === 'string' ? untyped : null;
}

export function vmRow(info: ListedExecution): VmRow {
  return {
    name: attribute(info, vmNameKey),
    phase: attribute(info, vmPhaseKey) as VmPhase | null,
    host: attribute(info, vmHostKey),
    bootHost: attribute(info, bootHostKey),
    settleHost: attribute(info, settleHostKey),
    workflowId: info.workflowId,
    runId: info.runId,
    workflowStatus: info.status.name,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
  };
}

export const newestFirst = (rows: VmRow[]): VmRow[] => [...rows].sort((a, b) => b.startTime.localeCompare(a.startTime));

export async function listVms(client: Client, query: string): Promise<VmRow[]> {
  const rows: VmRow[] = [];
  for await (const info of client.workflow.list({ query })) rows.push(vmRow(info));
  return newestFirst(rows);
}

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
