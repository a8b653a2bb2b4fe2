// What the vm commands and the main job show people: the list, one VM's status (with a link to its history), the
// summary table once VMs are done, and the live progress (a TTY frame redrawn in place, or one plain line per phase
// change for logs). Pure functions of the statuses and the clock.
import { elapsedMs, formatMs, renderTable, vmDurations, type VmDurations } from '../output';
import type { VmRef, VmRow } from './query';
import type { VmPhase, VmStatus } from '../../workflows/types';

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

export function summaryTable(statuses: VmStatus[]): string {
  return renderTable(
    ['VM', 'PHASE', 'BOOT HOST', 'SETTLE HOST', 'BOOT TIME', 'MIGRATION TIME'],
    statuses.map((s) => {
      const d = vmDurations(s);
      return [s.name, s.phase, s.bootHost ?? '-', s.settleHost ?? '-', formatMs(d.bootMs), formatMs(d.migrateMs)];
    }),
  );
}

export const FINAL_PHASES: readonly VmPhase[] = ['settled', 'unsettled', 'failed', 'decommissioned'];
export const isFinal = (phase: VmPhase): boolean => FINAL_PHASES.includes(phase);

const BAR_WIDTH = 20;

/** How far along the flow a VM is, for the bar: migration fills the second half as its percent grows. */
export function progressFraction(s: VmStatus): number {
  if (s.phase === 'placing') return 0.05;
  if (s.phase === 'booting') return 0.25;
  if (s.phase === 'migrating') return 0.5 + 0.5 * ((s.migration?.percent ?? 0) / 100);
  return s.phase === 'failed' ? 0 : 1;
}

/** The phase in words with where it happens: the one place both views describe a VM. */
export function describePhase(s: VmStatus): string {
  const d = vmDurations(s);
  switch (s.phase) {
    case 'placing':
      return s.queuePosition === null ? 'placing' : `placing (queued, position ${s.queuePosition})`;
    case 'booting':
      return `booting on ${s.bootHost ?? '?'}`;
    case 'migrating':
      return `migrating ${s.bootHost ?? '?'} -> ${s.migration?.target ?? s.settleHost ?? '?'}${s.migration ? ` ${migrationProgress(s.migration)}` : ''}`;
    case 'settled':
      return `settled on ${s.settleHost ?? '?'} (boot ${formatMs(d.bootMs)}, migration ${formatMs(d.migrateMs)})`;
    case 'unsettled':
      return `unsettled, kept on boot host ${s.bootHost ?? '?'}: ${s.error ?? 'no settle host'}`;
    case 'failed':
      return `failed: ${s.error ?? 'unknown error'}`;
    case 'decommissioned':
      return 'decommissioned';
  }
}

const bar = (fraction: number, width: number) => {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
};

/** The live migration's own bar and percent, the disk copied so far when the disk moves, and the job's rate. */
export function migrationProgress(m: NonNullable<VmStatus['migration']>): string {
  const disk = m.diskTotalMiB ? `, disk ${Math.round(m.diskProcessedMiB ?? 0)}/${Math.round(m.diskTotalMiB)} MiB` : '';
  const rate = m.dataProcessedMiB !== undefined && m.elapsedMs ? `, ${Math.round(m.dataProcessedMiB / (m.elapsedMs / 1000))} MiB/s` : '';
  return `${bar(m.percent / 100, 10)} ${Math.round(m.percent)}%${disk}${rate}`;
}

/** One line of the TTY frame: name, bar, elapsed, phase (with the migration's own progress). `now` is frozen by the caller once the VM is final. */
export function progressLine(s: VmStatus, now: number, nameWidth: number): string {
  return `${s.name.padEnd(nameWidth)}  ${bar(progressFraction(s), BAR_WIDTH)}  ${formatMs(elapsedMs(s, now)).padStart(8)}  ${describePhase(s)}`;
}

export function progressFrame(statuses: VmStatus[], now: (s: VmStatus) => number): string {
  const width = Math.max(...statuses.map((s) => s.name.length), 2);
  return statuses.map((s) => progressLine(s, now(s), width)).join('\n');
}

/**
 * Remembers each VM's last phase and turns the next round of statuses into lines for the phases that changed. Every
 * line is stamped on one clock, the time since the earliest request among the VMs, at the moment the change was seen:
 * a log read top to bottom is then in time order (each VM's own elapsed time, or the moment it settled, would not be).
 */
export class PhaseChangeLog {
  private readonly seen = new Map<string, string>();
  private start: number | undefined;

  lines(statuses: VmStatus[], now: number): string[] {
    if (statuses.length === 0) return [];
    this.start = Math.min(this.start ?? Infinity, ...statuses.map((s) => s.timings.requestedAt));
    // A migration also prints a line each time it passes a quarter, so a log shows its progress too.
    const step = (s: VmStatus) => (s.phase === 'migrating' ? `${s.phase} ${s.migration?.attempt ?? 0} ${Math.floor((s.migration?.percent ?? 0) / 25)}` : s.phase);
    const changed = statuses.filter((s) => this.seen.get(s.vmId) !== step(s));
    for (const s of changed) this.seen.set(s.vmId, step(s));
    const stamp = formatMs(Math.max(0, now - this.start)).padStart(8);
    return changed.map((s) => `${stamp}  ${s.name}  ${describePhase(s)}`);
  }
}
