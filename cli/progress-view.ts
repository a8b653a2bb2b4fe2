// What `vm watch` (and the main job) shows while VMs move through placing -> booting -> migrating -> settled. Pure
// functions of the statuses and the clock: a TTY frame that is redrawn in place, and, for logs, one plain line per
// phase change and nothing in between.
import type { VmPhase, VmStatus } from '../workflows/types';
import { elapsedMs, formatMs, vmDurations } from './durations';

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
      return `migrating ${s.bootHost ?? '?'} -> ${s.migration?.target ?? s.settleHost ?? '?'}`;
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

/** One line of the TTY frame: name, bar, elapsed, phase (with the migration's percent). `now` is frozen by the caller once the VM is final. */
export function progressLine(s: VmStatus, now: number, nameWidth: number): string {
  const filled = Math.round(progressFraction(s) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const percent = s.phase === 'migrating' ? ` ${Math.round(s.migration?.percent ?? 0)}%` : '';
  return `${s.name.padEnd(nameWidth)}  ${bar}  ${formatMs(elapsedMs(s, now)).padStart(8)}  ${describePhase(s)}${percent}`;
}

export function progressFrame(statuses: VmStatus[], now: (s: VmStatus) => number): string {
  const width = Math.max(...statuses.map((s) => s.name.length), 2);
  return statuses.map((s) => progressLine(s, now(s), width)).join('\n');
}

/** Remembers each VM's last phase and turns the next round of statuses into lines for the phases that changed. */
export class PhaseChangeLog {
  private readonly seen = new Map<string, VmPhase>();

  lines(statuses: VmStatus[], now: number): string[] {
    const changed = statuses.filter((s) => this.seen.get(s.vmId) !== s.phase);
    for (const s of changed) this.seen.set(s.vmId, s.phase);
    return changed.map((s) => `${formatMs(elapsedMs(s, now)).padStart(8)}  ${s.name}  ${describePhase(s)}`);
  }
}
