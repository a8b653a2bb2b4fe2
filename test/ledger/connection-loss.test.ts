// A ledger connection lost in the middle of a transaction (PostgreSQL killed or restarted between two of its queries)
// must fail that transaction, not the worker: the fault suite's PostgreSQL kills once took the whole worker down
// through an 'error' event on a checked-out client that nobody listened to.
import { sql } from 'kysely';
import { waitFor } from '../../devenv/wait';
import { startTestLedger, type TestLedger } from '../helpers/postgres';

let t: TestLedger;
beforeAll(async () => {
  t = await startTestLedger({ poolSize: 4 });
});
afterAll(async () => t?.close());

// Without a listener on the checked-out client, its 'error' event is thrown out of the socket's callback: jest fails
// this file ("Test suite failed to run"), as the worker process died.
test('a connection terminated between two queries of a transaction fails that transaction; the pool goes on', async () => {
  const transaction = t.db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
    // From another connection of the same pool, as an administrator's pg_terminate_backend or a server shutdown
    // would: the server sends this client a FATAL while no query of its own is running.
    await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(t.db);
    await waitFor(async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where pid = ${rows[0]!.pid}`.execute(t.db)).rows[0]!.n === 0, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'the terminated backend to be gone',
    });
    await sql`select 1`.execute(trx);
  });
  await expect(transaction).rejects.toThrow();
  // The pool replaced the broken client: the ledger still answers.
  expect((await sql<{ one: number }>`select 1 as one`.execute(t.db)).rows[0]!.one).toBe(1);
});
