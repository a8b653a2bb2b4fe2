// The fleet ledger's state and results. Everything here is plain JSON: the ledger workflow mutates it in place
// and carries it across continue-as-new, so no Map, Set, class instance or undefined-valued key may appear.
import type { FleetPolicy, HostConfig } from './inventory';

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
export type ReservationStatus = 'queued' | 'reserved' | 'committed';

export interface Reservation {
  reservationId: string;
  kind: ReservationKind;
  status: ReservationStatus;
  vmId: string;
  workflowId: string;
  /** null while queued */
  host: string | null;
  vcpus: number;
  memoryMiB: number;
  antiAffinityGroup?: string;
}

/** At most one boot and one settle reservation per VM, by reservation id. */
export interface VmSlots {
  boot?: string;
  settle?: string;
}

export interface LedgerState {
  /** 2: hosts became an array with a name index (1 had a record keyed by name) */
  version: 2;
  fleet: string;
  policy: FleetPolicy;
  /** an array, not a record keyed by name: enumerating a 10,000-key object costs milliseconds per decision */
  hosts: HostRecord[];
  /** host name -> position in `hosts` */
  hostIndex: Record<string, number>;
  /** live reservations only: released ones are deleted, their outcome stays in `applied` */
  reservations: Record<string, Reservation>;
  vms: Record<string, VmSlots>;
  /** queued boot reservation ids, oldest first */
  queue: string[];
  /** result of every keyed request, by `<op>:<reservationId>`, so replays return it unchanged */
  applied: Record<string, AppliedResult>;
}

export type ReserveBootResult =
  | { status: 'reserved'; host: string }
  | { status: 'queued'; position: number }
  | { status: 'rejected'; reason: string };
export type ReserveSettleResult = { status: 'reserved'; host: string } | { status: 'unavailable'; reason: string };
export type CommitMoveResult = { status: 'committed'; host: string } | { status: 'unknown' };
export type ReleaseResult = { status: 'released' | 'unknown' };
export type ReleaseVmResult = { status: 'released'; reservations: string[] };
export type AppliedResult = ReserveBootResult | ReserveSettleResult | CommitMoveResult | ReleaseResult;

export type DrainHostResult = { status: 'draining' | 'down' | 'unknown'; host: string };
export type ResyncResult =
  | { status: 'resynced'; added: string[]; updated: string[]; removed: string[]; markedDown: string[] }
  | { status: 'rejected'; reason: string };
export interface AdmittedBoot {
  reservationId: string;
  workflowId: string;
  vmId: string;
  host: string;
}
