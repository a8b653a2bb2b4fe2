// A throwaway PostgreSQL cluster per test file (started by devenv/postgres, the project's one launcher), in a temp
// dir of its own that stop() removes, so tests never share data or leave clusters behind.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { startPostgres, type PostgresServer } from '../../devenv/postgres';
import { allClosed, connectLedgerDatabase, type LedgerDb } from '../../ledger/database';
import { migrateToLatest } from '../../ledger/migrations';

export async function startTestPostgres(): Promise<PostgresServer> {
  // The temp dir is the data dir itself: a fresh 0700 directory the launcher hands to the server user.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bootshift-pg-'));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    // fsync and full-page writes only protect against the machine crashing (unsynced pages lost, torn pages). A
    // killed server, which is what the fault tests do, leaves its writes in the kernel's page cache and recovers
    // from its WAL as usual; and a test cluster never outlives the machine's uptime anyway.
    const server = await startPostgres({ dataDir, settings: { fsync: 'off', full_page_writes: 'off' } });
    return {
      ...server,
      async stop() {
        await server.stop();
        remove();
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** Ends a pool once its connections have closed, not merely been asked to (see ledger/database.ts's allClosed). */
export async function endPool(pool: Pool): Promise<void> {
  const closed = allClosed(pool);
  await pool.end();
  await closed;
}

export interface TestLedger {
  server: PostgresServer;
  db: LedgerDb;
  close(): Promise<void>;
}

/** A test cluster with the ledger's schema migrated, and a Kysely connection to it. */
export async function startTestLedger(opts: { poolSize?: number } = {}): Promise<TestLedger> {
  const server = await startTestPostgres();
  const connection = connectLedgerDatabase(server.url, { max: opts.poolSize ?? 20 });
  try {
    await migrateToLatest(connection.db);
  } catch (err) {
    await connection.close();
    await server.stop();
    throw err;
  }
  return {
    server,
    db: connection.db,
    async close() {
      await connection.close();
      await server.stop();
    },
  };
}
