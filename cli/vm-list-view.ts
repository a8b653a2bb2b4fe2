// `bootshift vm list` for people: one row per VM workflow, newest first, with the hosts it went through.
import { renderTable } from './output';
import type { VmRow } from './vm-query';

export function renderVmList(rows: VmRow[]): string {
  if (rows.length === 0) return 'no VM workflows found';
  return renderTable(
    ['NAME', 'PHASE', 'HOST', 'BOOT HOST', 'SETTLE HOST', 'STARTED', 'WORKFLOW', 'WORKFLOW ID'],
    rows.map((r) => [
      r.name ?? '-',
      r.phase ?? '-',
      r.host ?? '-',
      r.bootHost ?? '-',
      r.settleHost ?? '-',
      r.startTime.replace(/\.\d+Z$/, 'Z'),
      r.workflowStatus.toLowerCase(),
      r.workflowId,
    ]),
  );
}
