// Two output shapes only: JSON for scripts (`--json`, and nothing else on stdout) and borderless, colourless tables
// for people, which also read well in CI logs and grep. The durations people ask about (queued, booted, migrated) are
// differences between the workflow's recorded timestamps, computed here so every view agrees.
import Table from 'cli-table3';
import type { VmStatus } from '../workflows/types';

export function writeJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

const BORDERLESS = Object.fromEntries(
  ['top', 'top-mid', 'top-left', 'top-right', 'bottom', 'bottom-mid', 'bottom-left', 'bottom-right', 'left', 'left-mid', 'mid', 'mid-mid', 'right', 'right-mid'].map((c) => [c, '']),
);

export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  const table = new Table({
    head,
    chars: { ...BORDERLESS, middle: '  ' },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  // Lines end in the padding of the last column; trailing blanks only get in the way of diffs and tests.
  return table.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}

export interface VmDurations {
  queuedMs: number | null;
  bootMs: number | null;
  migrateMs: number | null;
  /** request to settled; null until the VM has settled */
  totalMs: number | null;
}

const between = (from: number | undefined, to: number | undefined) => (from !== undefined && to !== undefined ? to - from : null);

export function vmDurations(status: VmStatus): VmDurations {
  const t = status.timings;
  return {
    queuedMs: between(t.requestedAt, t.placedAt),
    bootMs: between(t.bootStartedAt, t.bootedAt),
    migrateMs: between(t.migrateStartedAt, t.settledAt),
    totalMs: between(t.requestedAt, t.settledAt),
  };
}

/** Time since the request: until `now` while the VM is on its way, until settling once it has settled. */
export function elapsedMs(status: VmStatus, now: number): number {
  return Math.max(0, (status.timings.settledAt ?? now) - status.timings.requestedAt);
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
}
