// The provider's side of Temporal: connect with the settings the program passed in, and start a VM's provisionVm
// workflow so that a re-run never makes a second VM. A running workflow is re-attached (USE_EXISTING); a completed
// one is re-attached too, unless the VM was decommissioned after it, in which case a new run starts.
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import type { provisionVm } from '../workflows/provision-vm';
import type { ProvisionVmResult, VmStatus } from '../workflows/types';
import type { ConnectionSettings } from './connection';

export async function withClient<T>(settings: ConnectionSettings, run: (client: Client) => Promise<T>): Promise<T> {
  const tls = settings.tls && {
    ...(settings.tls.serverName && { serverNameOverride: settings.tls.serverName }),
    ...(settings.tls.caPem && { serverRootCACertificate: Buffer.from(settings.tls.caPem) }),
    ...(settings.tls.certPem && settings.tls.keyPem && { clientCertPair: { crt: Buffer.from(settings.tls.certPem), key: Buffer.from(settings.tls.keyPem) } }),
  };
  const connection = await Connection.connect({ address: settings.address, ...(tls && { tls }) });
  try {
    return await run(new Client({ connection, namespace: settings.namespace }));
  } finally {
    await connection.close();
  }
}

export const decommissionIdOf = (workflowId: string) => `${workflowId}/decommission`;

export async function startOrAttach(
  client: Client,
  taskQueue: string,
  workflowId: string,
  args: Parameters<typeof provisionVm>[0],
): Promise<WorkflowHandle<typeof provisionVm>> {
  const start = (reuse: 'ALLOW_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY') =>
    client.workflow.start<typeof provisionVm>('provisionVm', {
      taskQueue,
      workflowId,
      args: [args],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: reuse,
    });
  try {
    return await start('ALLOW_DUPLICATE_FAILED_ONLY');
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  // The last run completed: it is this VM, unless a decommission ran since.
  const last = await client.workflow.getHandle<typeof provisionVm>(workflowId).describe();
  const decommissioned = await client.workflow
    .getHandle(decommissionIdOf(workflowId))
    .describe()
    .then((d) => d.status.name === 'COMPLETED' && d.startTime > (last.closeTime ?? last.startTime))
    .catch(() => false);
  return decommissioned ? start('ALLOW_DUPLICATE') : client.workflow.getHandle(workflowId, last.runId);
}

export interface VmOutputs {
  workflowId: string;
  runId: string;
  temporalUiUrl: string | null;
  domainName: string;
  phase: string;
  host: string | null;
  bootHost: string | null;
  settleHost: string | null;
  settled: boolean;
  bootMs: number | null;
  migrateMs: number | null;
}

export function uiLink(settings: ConnectionSettings, workflowId: string, runId: string): string | null {
  if (!settings.uiUrl) return null;
  return `${settings.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
}

export function outputsFromResult(base: Pick<VmOutputs, 'workflowId' | 'runId' | 'temporalUiUrl'>, r: ProvisionVmResult): VmOutputs {
  return {
    ...base,
    domainName: r.domainName,
    phase: r.settled ? 'settled' : 'unsettled',
    host: r.host,
    bootHost: r.bootHost,
    settleHost: r.settleHost,
    settled: r.settled,
    bootMs: r.bootMs,
    migrateMs: r.migrateMs,
  };
}

export function outputsFromStatus(base: Pick<VmOutputs, 'workflowId' | 'runId' | 'temporalUiUrl'>, s: VmStatus): VmOutputs {
  const { bootedAt, bootStartedAt, migrateStartedAt, settledAt } = s.timings;
  return {
    ...base,
    domainName: s.domainName,
    phase: s.phase,
    host: s.host,
    bootHost: s.bootHost,
    settleHost: s.settleHost,
    settled: s.phase === 'settled',
    bootMs: bootedAt !== undefined && bootStartedAt !== undefined ? bootedAt - bootStartedAt : null,
    migrateMs: settledAt !== undefined && migrateStartedAt !== undefined ? settledAt - migrateStartedAt : null,
  };
}
