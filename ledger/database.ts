// The connection to the ledger's PostgreSQL: a node-postgres pool under Kysely (typed queries), the connection
// string checked once where configuration is parsed, and transactions that retry what PostgreSQL asks to be retried.
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { parse } from 'pg-connection-string';
import { Pool, type PoolConfig } from 'pg';
import { z } from 'zod';
import type { LedgerDatabase } from './schema';

/**
 * A libpq-style URL (postgres:// or postgresql://) naming a database; the host may be a unix socket directory
 * (`?host=/run/postgresql`). The password, if any, is never echoed back in errors.
 */
export const databaseUrlSchema = z.string().superRefine((url, ctx) => {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    ctx.addIssue({ code: 'custom', message: 'must be a postgres:// or postgresql:// connection string' });
    return;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(url);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a parsable PostgreSQL connection string' });
    return;
  }
  if (!parsed.host) ctx.addIssue({ code: 'custom', message: 'must name a host or a socket directory (?host=/path)' });
  if (!parsed.database) ctx.addIssue({ code: 'custom', message: 'must name a database (postgresql://user@host/DATABASE)' });
});

/** The URL with any password replaced, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

export type LedgerDb = Kysely<LedgerDatabase>;
export type LedgerTx = Transaction<LedgerDatabase>;

export interface LedgerConnection {
  db: LedgerDb;
  close(): Promise<void>;
}

export function connectLedgerDatabase(url: string, pool: Omit<PoolConfig, 'connectionString'> = {}): LedgerConnection {
  const pg = new Pool({ connectionString: url, max: 20, ...pool });
  // A client whose server went away emits 'error': an idle one on the pool, a checked-out one (inside a transaction,
  // between two queries) on itself, where the pool has no listener. Either, unheard, kills the process. The caller's
  // next query on that client fails as usual, and the pool drops a client that errored when it is released.
  pg.on('error', () => undefined);
  pg.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool: pg }) });
  return {
    db,
    async close() {
      const closed = allClosed(pg);
      await db.destroy();
      await closed;
    },
  };
}

/**
 * Resolves once every connection of the pool has really closed: pool.end() resolves earlier
 * (brianc/node-postgres#2328), and a server stopped in that gap makes the pool report an 'error'.
 */
export function allClosed(pool: Pool): Promise<void> {
  let open = pool.totalCount;
  return new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => {
      if (--open === 0) resolve();
    });
  });
}

/**
 * SQLSTATEs PostgreSQL answers when a transaction lost a race and may simply be run again: serialization failure,
 * deadlock, and a unique violation (two retries of one request inserting the same reservation id at once; run again,
 * the second finds the first's row and answers with its reply).
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);

export function isRetryableConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '');
}

/** Runs fn in a READ COMMITTED transaction, again (up to `attempts` times) when it ends in a deadlock or serialization failure. */
export async function inTransaction<T>(db: LedgerDb, fn: (tx: LedgerTx) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= attempts || !isRetryableConflict(err)) throw err;
    }
  }
}
