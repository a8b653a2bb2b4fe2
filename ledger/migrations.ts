// The ledger's schema, as Kysely migrations run by Kysely's Migrator (it records what ran in kysely_migration and
// holds a lock while migrating, so workers starting together migrate once). Migrations are listed in code rather than
// read from a folder, so the built package (lib/) carries them and nothing depends on the working directory. Each one
// is append-only: a change to the schema is a new entry, never an edit of a shipped one.
import { Kysely, Migrator, sql, type Migration, type MigrationResultSet } from 'kysely';

const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': {
    async up(db: Kysely<any>): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any -- Kysely's Migration type
      await sql`
        CREATE TABLE fleets (
          fleet text PRIMARY KEY,
          policy jsonb NOT NULL,
          queue_seq bigint NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL DEFAULT now(),
          resynced_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      // Usage never goes negative, memory is never overcommitted; vCPU and VM-count capacities are checked by every
      // claim's conditional UPDATE instead of a CHECK, because an operator may lower a capacity below what a host
      // already holds (the host is then full until VMs leave, not invalid).
      await sql`
        CREATE TABLE hosts (
          fleet text NOT NULL REFERENCES fleets ON DELETE CASCADE,
          -- Byte order, as the domain's picks compare names (JavaScript's <), whatever the database's locale.
          name text COLLATE "C" NOT NULL,
          pool text NOT NULL CHECK (pool IN ('boot', 'settle')),
          state text NOT NULL CHECK (state IN ('active', 'draining', 'down')),
          cpus integer NOT NULL CHECK (cpus > 0),
          memory_mib integer NOT NULL CHECK (memory_mib > 0),
          vm_capacity integer,
          vcpu_capacity integer,
          config jsonb NOT NULL,
          vms integer NOT NULL DEFAULT 0 CHECK (vms >= 0),
          vcpus integer NOT NULL DEFAULT 0 CHECK (vcpus >= 0),
          memory_used_mib integer NOT NULL DEFAULT 0 CHECK (memory_used_mib >= 0),
          groups jsonb NOT NULL DEFAULT '{}',
          PRIMARY KEY (fleet, name)
        )`.execute(db);
      // In the order the domain's picks prefer (placement.ts), so a bounded candidate read is an index range scan:
      // boot spreads (most free CPUs, then memory, then name), settle is best fit (least vCPU headroom first).
      await sql`
        CREATE INDEX hosts_boot_candidates ON hosts
          (fleet, (cpus - vcpus) DESC, (memory_mib - memory_used_mib) DESC, name)
          WHERE pool = 'boot' AND state = 'active'`.execute(db);
      await sql`
        CREATE INDEX hosts_settle_candidates ON hosts
          (fleet, (vcpu_capacity - vcpus), (memory_mib - memory_used_mib), name)
          WHERE pool = 'settle' AND state = 'active'`.execute(db);
      await sql`
        CREATE TABLE reservations (
          reservation_id text PRIMARY KEY,
          fleet text NOT NULL REFERENCES fleets ON DELETE CASCADE,
          kind text CHECK (kind IN ('boot', 'settle')),
          status text NOT NULL CHECK (status IN ('queued', 'reserved', 'committed', 'released', 'rejected', 'leaked')),
          vm_id text,
          workflow_id text,
          host text,
          vcpus integer,
          memory_mib integer,
          anti_affinity_group text,
          queue_seq bigint,
          reply jsonb,
          reason text,
          requested_at timestamptz NOT NULL DEFAULT now(),
          granted_at timestamptz,
          committed_at timestamptz,
          released_at timestamptz,
          leaked_at timestamptz,
          -- Kept after the grant: the place it had in the queue is part of why it waited.
          CHECK (status <> 'queued' OR queue_seq IS NOT NULL),
          CHECK (status NOT IN ('reserved', 'committed', 'leaked') OR host IS NOT NULL)
        )`.execute(db);
      // One live boot slot and one live settle slot per VM: the database, not only the code, refuses a second.
      await sql`
        CREATE UNIQUE INDEX reservations_one_boot_per_vm ON reservations (vm_id)
          WHERE kind = 'boot' AND status IN ('queued', 'reserved')`.execute(db);
      await sql`
        CREATE UNIQUE INDEX reservations_one_settle_per_vm ON reservations (vm_id)
          WHERE kind = 'settle' AND status IN ('reserved', 'committed')`.execute(db);
      await sql`CREATE INDEX reservations_queue ON reservations (fleet, queue_seq) WHERE status = 'queued'`.execute(db);
      await sql`
        CREATE INDEX reservations_live_by_vm ON reservations (vm_id)
          WHERE status IN ('queued', 'reserved', 'committed', 'leaked')`.execute(db);
      await sql`
        CREATE INDEX reservations_live_by_host ON reservations (fleet, host)
          WHERE status IN ('reserved', 'committed', 'leaked')`.execute(db);
      // Grants to queued VMs, written in the transaction that admits them and delivered (signalled) after it commits;
      // a sweep delivers any whose signal was lost.
      await sql`
        CREATE TABLE grant_outbox (
          id bigserial PRIMARY KEY,
          fleet text NOT NULL,
          reservation_id text NOT NULL REFERENCES reservations,
          workflow_id text NOT NULL,
          host text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          delivered_at timestamptz,
          attempts integer NOT NULL DEFAULT 0,
          last_error text
        )`.execute(db);
      await sql`CREATE INDEX grant_outbox_pending ON grant_outbox (created_at) WHERE delivered_at IS NULL`.execute(db);
    },
    async down(db: Kysely<any>): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any -- Kysely's Migration type
      await sql`DROP TABLE grant_outbox, reservations, hosts, fleets`.execute(db);
    },
  },
};

export class MigrationError extends Error {}

/** Brings the schema to the latest version; safe to call from every worker at start. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the Migrator works on any schema
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(`ledger schema migration ${failed ?? ''} failed: ${String(result.error)}`, { cause: result.error });
  }
  return result;
}
