// What the fleet ledger answers, and the host records placement decides on: shared by the ledger (ledger/, in
// PostgreSQL), the activities' port, the CLI and the simulator, so that every one of them means the same thing.
import type { HostConfig } from '../inventory';

/** Kept incrementally on every placement and release so placement never rescans reservations. */
export interface HostUsage {
  vms: number;
  vcpus: number;
  memoryMiB: number;
  /** anti-affinity group -> number of reservations of that group on this host (keys at 0 are deleted) */
  groups: Record<string, number>;
}

export interface HostRecord extends HostConfig {
  usage: HostUsage;
}

export type ReservationKind = 'boot' | 'settle';

export type ReserveBootResult =
  | { status: 'reserved'; host: string }
  | { status: 'queued'; position: number }
  | { status: 'rejected'; reason: string };
export type ReserveSettleResult = { status: 'reserved'; host: string } | { status: 'unavailable'; reason: string };
export type CommitMoveResult = { status: 'committed'; host: string } | { status: 'unknown' };
/** `leaked`: kept, because its domain could not be destroyed; only releaseVm (decommission) or clearLeaked frees it. */
export type ReleaseResult = { status: 'released' | 'unknown' | 'leaked' };
export type ReleaseVmResult = { status: 'released'; reservations: string[] };
export type MarkLeakedResult = { status: 'leaked'; reservations: string[] };
export type ClearLeakedResult = { status: 'cleared'; reservations: string[] };

export type DrainHostResult = { status: 'draining' | 'down' | 'unknown'; host: string };
export type ResyncResult =
  | { status: 'resynced'; added: string[]; updated: string[]; removed: string[]; markedDown: string[] }
  | { status: 'rejected'; reason: string };
