// The numbers people ask about a VM (how long it queued, booted, migrated) are differences between the workflow's
// recorded timestamps; computed in one place so `vm status`, the progress view and the summary table agree.
import type { VmStatus } from '../workflows/types';

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
