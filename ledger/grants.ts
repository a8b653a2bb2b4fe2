// Grants to VMs waiting in the boot queue: written to the outbox in the transaction that admits them, signalled to
// the waiting workflow after it commits, and marked delivered. A worker that dies in between leaves the row pending;
// the sweep (any worker's) delivers it later, so a grant is never lost, only late. A duplicate is harmless: the
// workflow acts on the grant of its own reservation id once. A workflow that is gone cannot use its slot, so the slot
// is released (and the next in line admitted) instead of leaking.
import { sql } from 'kysely';
import type { LedgerDb } from './database';

export interface Grant {
  /** the outbox row */
  id: string;
  fleet: string;
  reservationId: string;
  workflowId: string;
  host: string;
}

export interface GrantPort {
  /** Signals the grant to the VM workflow; 'gone' if no such workflow runs any more. */
  deliver(workflowId: string, grant: { reservationId: string; host: string }): Promise<'delivered' | 'gone'>;
  /** A delivery that failed (it stays pending for the sweep). */
  onError?(grant: Grant, err: unknown): void;
}

export async function deliverGrants(
  db: LedgerDb,
  port: GrantPort,
  grants: readonly Grant[],
  releaseGone: (reservationId: string, fleet: string) => Promise<void>,
): Promise<void> {
  await Promise.all(
    grants.map(async (grant) => {
      try {
        const outcome = await port.deliver(grant.workflowId, { reservationId: grant.reservationId, host: grant.host });
        if (outcome === 'gone') await releaseGone(grant.reservationId, grant.fleet);
        await db
          .updateTable('grant_outbox')
          .set({ delivered_at: sql`now()`, last_error: outcome === 'gone' ? 'workflow gone: slot released' : null })
          .where('id', '=', grant.id)
          .execute();
      } catch (err) {
        port.onError?.(grant, err);
        await db
          .updateTable('grant_outbox')
          .set({ last_error: String(err).slice(0, 2000) })
          .where('id', '=', grant.id)
          .execute()
          .catch(() => undefined);
      }
    }),
  );
}

export interface GrantSweeper {
  stop(): Promise<void>;
}

/** Sweeps for undelivered grants every `intervalMs`, one sweep at a time, until stopped. */
export function startGrantSweeper(ledger: { sweepGrants(): Promise<number> }, intervalMs: number, onError: (err: unknown) => void): GrantSweeper {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => ledger.sweepGrants().then(() => undefined, onError));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
