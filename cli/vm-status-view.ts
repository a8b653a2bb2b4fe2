// `bootshift vm status`: what the provisionVm workflow says about its VM (its getStatus query, which also answers for
// closed workflows), plus the derived durations and a link to the full history in the Temporal Web UI.
import type { VmStatus } from '../workflows/types';
import { formatMs, vmDurations, type VmDurations } from './durations';
import type { VmRef } from './resolve-vm';

export interface VmStatusReport extends VmStatus {
  workflowId: string;
  runId: string;
  durations: VmDurations;
  historyUrl: string | null;
}

export function historyUrl(uiUrl: string | null, namespace: string, ref: VmRef): string | null {
  if (uiUrl === null) return null;
  const ns = encodeURIComponent(namespace);
  return `${uiUrl}/namespaces/${ns}/workflows/${encodeURIComponent(ref.workflowId)}/${encodeURIComponent(ref.runId)}/history`;
}

export function statusReport(status: VmStatus, ref: VmRef, link: { uiUrl: string | null; namespace: string }): VmStatusReport {
  return { ...status, ...ref, durations: vmDurations(status), historyUrl: historyUrl(link.uiUrl, link.namespace, ref) };
}

function phaseText(s: VmStatus): string {
  if (s.phase === 'placing' && s.queuePosition !== null) return `placing (queued for a boot host, position ${s.queuePosition})`;
  if (s.phase === 'migrating' && s.migration) return `migrating to ${s.migration.target}: ${s.migration.percent}% (attempt ${s.migration.attempt})`;
  return s.phase;
}

export function renderVmStatus(r: VmStatusReport): string {
  const rows: Array<[string, string]> = [
    ['VM', `${r.name} (${r.vmId})`],
    ['phase', phaseText(r)],
    ['host', r.host ?? '-'],
    ['boot host', r.bootHost ?? '-'],
    ['settle host', r.settleHost ?? '-'],
    ['domain', r.domainName],
    ['queued', formatMs(r.durations.queuedMs)],
    ['boot', `${formatMs(r.durations.bootMs)}${r.bootSource ? ` (boot complete from ${r.bootSource})` : ''}`],
    ['migration', formatMs(r.durations.migrateMs)],
    ['total', formatMs(r.durations.totalMs)],
    ['attempts', r.migrationAttempts.map((a) => `${a.host}: ${a.error}`).join('; ') || '-'],
    ['error', r.error ?? '-'],
    ...(r.leftovers.length > 0 ? [['left behind', r.leftovers.join('; ')] as [string, string]] : []),
    ['workflow', `${r.workflowId} (run ${r.runId})`],
    ['history', r.historyUrl ?? '- (Temporal UI address unknown: --ui-url or BOOTSHIFT_TEMPORAL_UI)'],
  ];
  return rows.map(([key, value]) => `${key.padEnd(13)}${value}`).join('\n');
}
