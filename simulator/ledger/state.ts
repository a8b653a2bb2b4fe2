// The fleet ledger in memory: the state and the low-level moves on it that every transition shares. It was the
// ledger of the fleetLedger workflow (now PostgreSQL's, in ledger/); the simulator and the benchmarks keep it as the
// reference semantics the PostgreSQL ledger is tested against, and as the baseline bench P3 compares with. Everything
// here is plain JSON (it crossed continue-as-new), so no Map, Set, class instance or undefined-valued key may appear.
// Its maps are objects keyed by caller-chosen ids, read through hasOwn so an id such as "constructor" never resolves
// to Object.prototype members. The per-host counters are kept in step with every placement and release.
import type {
  CommitMoveResult,
  FleetPolicy,
  HostRecord,
  HostUsage,
  PlacementRequest,
  ReleaseResult,
  ReservationKind,
  ReserveBootResult,
  ReserveSettleResult,
} from '../../domain';

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

export type AppliedResult = ReserveBootResult | ReserveSettleResult | CommitMoveResult | ReleaseResult;

export interface AdmittedBoot {
  reservationId: string;
  workflowId: string;
  vmId: string;
  host: string;
}

export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function findHost(state: Readonly<LedgerState>, name: string): HostRecord | undefined {
  const index = getOwn(state.hostIndex, name);
  return index === undefined ? undefined : state.hosts[index];
}

export function setHosts(state: LedgerState, hosts: HostRecord[]): void {
  state.hosts = hosts;
  state.hostIndex = {};
  hosts.forEach((host, index) => {
    state.hostIndex[host.name] = index;
  });
}

export function recall<T extends AppliedResult>(state: LedgerState, key: string): T | undefined {
  return getOwn(state.applied, key) as T | undefined;
}

export function remember<T extends AppliedResult>(state: LedgerState, key: string, result: T): T {
  state.applied[key] = result;
  return result;
}

export function placeOn(state: LedgerState, reservation: Reservation, host: string): void {
  const record = findHost(state, host);
  if (record === undefined) throw new Error(`ledger invariant: unknown host "${host}"`);
  reservation.host = host;
  reservation.status = 'reserved';
  addUsage(record.usage, reservation);
}

export function track(state: LedgerState, reservation: Reservation): void {
  state.reservations[reservation.reservationId] = reservation;
  const slots = getOwn(state.vms, reservation.vmId) ?? {};
  slots[reservation.kind] = reservation.reservationId;
  state.vms[reservation.vmId] = slots;
}

/** Forgets a live reservation: out of the queue or off its host, and out of its VM's slots. */
export function drop(state: LedgerState, reservation: Reservation): void {
  if (reservation.status === 'queued') {
    state.queue.splice(state.queue.indexOf(reservation.reservationId), 1);
  } else if (reservation.host !== null) {
    const record = findHost(state, reservation.host);
    if (record !== undefined) removeUsage(record.usage, reservation);
  }
  delete state.reservations[reservation.reservationId];
  const slots = getOwn(state.vms, reservation.vmId);
  if (slots === undefined) return;
  delete slots[reservation.kind];
  if (slots.boot === undefined && slots.settle === undefined) delete state.vms[reservation.vmId];
}

/** Keys are `<op>:<reservationId>`; ops never contain ":". */
// The ledger remembers the result of every request so replays answer alike, but it crosses continue-as-new in one
// payload, which has a size limit. Results of reservations that are no longer live are dropped, oldest first, once
// there are too many: a duplicate of a request thousands of reservations old is not worth a ledger that can no longer
// continue. Keys are `<op>:<reservationId>`; ops never contain ":".
function reservationOf(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

export function pruneApplied(state: LedgerState, opts: { max: number; keep: number }): number {
  const keys = Object.keys(state.applied);
  if (keys.length <= opts.max) return 0;
  let dropped = 0;
  // Insertion order is the order the requests came in, and it survives the JSON round trip of continue-as-new.
  for (const key of keys) {
    if (keys.length - dropped <= opts.keep) break;
    if (getOwn(state.reservations, reservationOf(key)) !== undefined) continue;
    delete state.applied[key];
    dropped += 1;
  }
  return dropped;
}

export function emptyUsage(): HostUsage {
  return { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} };
}

export function addUsage(usage: HostUsage, request: PlacementRequest): void {
  usage.vms += 1;
  usage.vcpus += request.vcpus;
  usage.memoryMiB += request.memoryMiB;
  const group = request.antiAffinityGroup;
  if (group !== undefined) usage.groups[group] = (getOwn(usage.groups, group) ?? 0) + 1;
}

export function removeUsage(usage: HostUsage, request: PlacementRequest): void {
  usage.vms -= 1;
  usage.vcpus -= request.vcpus;
  usage.memoryMiB -= request.memoryMiB;
  const group = request.antiAffinityGroup;
  if (group === undefined) return;
  const left = (getOwn(usage.groups, group) ?? 0) - 1;
  if (left > 0) usage.groups[group] = left;
  else delete usage.groups[group];
}
