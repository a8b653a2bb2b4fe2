// The ledger's tables as Kysely sees them, so every query is checked against the schema at compile time. The SQL
// that creates them is migrations.ts; the two must agree, and the ledger's tests against a real PostgreSQL say so.
//
// Why these columns: a host row carries its own usage counters and capacities, so a claim is one conditional UPDATE
// of one row (no rescan of reservations), and the candidate indexes order hosts exactly as the domain's picks do. A
// reservation row is never deleted: it is the ledger's memory of each request (its first reply answers a retry) and
// its history (requested, granted, committed, released, leaked), which is how an operator finds out why a VM waited.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { FleetPolicy, HostConfig, HostState, Pool, ReservationKind } from '../domain';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type ReservationRowStatus = 'queued' | 'reserved' | 'committed' | 'released' | 'rejected' | 'leaked';

export interface FleetsTable {
  fleet: string;
  policy: Json<FleetPolicy>;
  /** The last queue sequence number handed out: FIFO order of queued boots. */
  queue_seq: ColumnType<string, string | number | undefined, string | number>;
  created_at: Generated<Date>;
  resynced_at: Timestamp;
}

export interface HostsTable {
  fleet: string;
  name: string;
  pool: Pool;
  state: HostState;
  cpus: number;
  memory_mib: number;
  /** null: no VM-count limit (settle hosts) */
  vm_capacity: number | null;
  /** null: no vCPU limit (boot hosts with bootVcpusWithinCpus off) */
  vcpu_capacity: number | null;
  /** The host as the inventory describes it (URI, labels, storage...), for placement's HostRecord and resync. */
  config: Json<HostConfig>;
  vms: Generated<number>;
  vcpus: Generated<number>;
  memory_used_mib: Generated<number>;
  /** anti-affinity group -> reservations of that group here (keys at 0 removed) */
  groups: ColumnType<Record<string, number>, string | undefined, string>;
}

export interface ReservationsTable {
  reservation_id: string;
  fleet: string;
  /** null for a tombstone: an id released before it was ever reserved */
  kind: ReservationKind | null;
  status: ReservationRowStatus;
  vm_id: string | null;
  workflow_id: string | null;
  host: string | null;
  vcpus: number | null;
  memory_mib: number | null;
  anti_affinity_group: string | null;
  /** Its place in the FIFO boot queue, if it ever waited (kept after the grant: part of why it waited). */
  queue_seq: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  /** The first reply to the request that made it, returned unchanged to a retry. */
  reply: ColumnType<unknown, string | null | undefined, string | null>;
  /** Why it was rejected or marked leaked. */
  reason: string | null;
  requested_at: Generated<Date>;
  granted_at: Date | null;
  committed_at: Date | null;
  released_at: Date | null;
  leaked_at: Date | null;
}

export interface GrantOutboxTable {
  id: Generated<string>;
  fleet: string;
  reservation_id: string;
  workflow_id: string;
  host: string;
  created_at: Generated<Date>;
  delivered_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface LedgerDatabase {
  fleets: FleetsTable;
  hosts: HostsTable;
  reservations: ReservationsTable;
  grant_outbox: GrantOutboxTable;
}

export type HostRow = Selectable<HostsTable>;
export type ReservationRow = Selectable<ReservationsTable>;
export type NewReservation = Insertable<ReservationsTable>;
