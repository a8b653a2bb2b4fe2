// The PostgreSQL settings a ledger figure was taken with, read back from the server rather than assumed: durability
// (fsync, synchronous_commit, full_page_writes) changes a commit's cost more than anything else, so every benchmark
// that uses the ledger records them next to its figures.
import { sql } from 'kysely';
import type { LedgerDb } from '../ledger/database';

const SHOWN = ['server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers', 'max_connections'] as const;

export type PostgresSettings = Record<(typeof SHOWN)[number], string>;

export async function readPostgresSettings(db: LedgerDb): Promise<PostgresSettings> {
  const { rows } = await sql<{ name: string; value: string }>`
    SELECT name, CASE WHEN unit = '8kB' THEN pg_size_pretty(setting::bigint * 8192) ELSE setting END AS value
    FROM pg_settings WHERE name = ANY(${[...SHOWN]}::text[])`.execute(db);
  const byName = new Map(rows.map((r) => [r.name, r.value]));
  return Object.fromEntries(SHOWN.map((name) => [name, byName.get(name) ?? '?'])) as PostgresSettings;
}

export const durable = (s: PostgresSettings): boolean => s.fsync === 'on' && s.synchronous_commit === 'on' && s.full_page_writes === 'on';

export const settingsNote = (s: PostgresSettings): string =>
  `PostgreSQL ${s.server_version}, fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit}, full_page_writes ${s.full_page_writes}, ` +
  `shared_buffers ${s.shared_buffers}`;
