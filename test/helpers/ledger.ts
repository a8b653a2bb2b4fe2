// The dev environment's fleet ledger as tests read it: straight from its PostgreSQL, in the shape `bootshift hosts`
// shows, with a short-lived connection.
import type { DevEnvRecord } from '../../devenv/dev-env';
import type { LedgerSnapshot } from '../../domain';
import { connectLedgerDatabase } from '../../ledger/database';
import { snapshotOf } from '../../ledger/snapshot';

export async function ledgerSnapshot(env: DevEnvRecord): Promise<LedgerSnapshot> {
  const { db, close } = connectLedgerDatabase(env.ledger.databaseUrl, { max: 1 });
  try {
    return await snapshotOf(db, env.fleet);
  } finally {
    await close();
  }
}
