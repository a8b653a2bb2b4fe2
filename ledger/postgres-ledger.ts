// The fleet ledger in PostgreSQL: every request of a VM's provisioning (reserve a boot slot or a place in the boot
// queue, reserve a settle slot, commit the move, release) is one transaction, idempotent by reservation id (the
// reservation row keeps the first reply and answers a retry with it). Placement reads a bounded set of candidate
// hosts, decides with the domain's pure picks and claims with a conditional UPDATE (hosts.ts).
//
// Strict FIFO for the boot queue without serialising every claim: a per-fleet advisory lock, taken shared by the
// requests that can run side by side (claims and releases while nobody waits) and exclusive by those that touch the
// queue (enqueueing, and any release while somebody waits, which admits the queue's head in the same transaction that
// frees the room). A request that finds out under the shared lock that it needs the queue starts again under the
// exclusive one. Grants are written to an outbox in that transaction and signalled after it commits (grants.ts).
import { ApplicationFailure } from '@temporalio/common';
import { sql } from 'kysely';
import {
  Failure,
  ValidationError,
  validateClearLeaked,
  validateCommitMove,
  validateDrainHost,
  validateMarkLeaked,
  validateRelease,
  validateReleaseVm,
  validateReserveBoot,
  validateReserveSettle,
  type ClearLeakedResult,
  type CommitMoveResult,
  type DrainHostInput,
  type DrainHostResult,
  type FleetPolicy,
  type Inventory,
  type LedgerSnapshot,
  type MarkLeakedResult,
  type ReleaseResult,
  type ReleaseVmResult,
  type ReserveBootResult,
  type ReserveSettleResult,
  type ResyncResult,
  type VmLedgerRequests,
} from '../domain';
import { inTransaction, type LedgerDb, type LedgerTx } from './database';
import { deliverGrants, type Grant, type GrantPort } from './grants';
import { anyBootHostCouldHold, claimHost, removeUsage, type Claim } from './hosts';
import { resyncFleet } from './resync';
import type { ReservationRow, ReservationRowStatus } from './schema';
import { snapshotOf } from './snapshot';

export interface PostgresLedgerOptions {
  db: LedgerDb;
  /** The inventory of a fleet the ledger does not hold yet: it is created from it on first use. */
  loadInventory(fleet: string): Promise<Inventory>;
  /** Delivers grants to VM workflows waiting in the boot queue. */
  grants: GrantPort;
  /** Candidate hosts read (and locked) per placement try. */
  candidates?: number;
  /**
   * Signal grants without making the request wait for them: the request (a local activity in the releasing VM's
   * workflow task) returns once its transaction has committed. A signal that fails is left to the sweep.
   */
  grantsInBackground?: boolean;
}

/** Every request of the ledger: the VMs' (the LedgerPort) and the operators' and the inventory's. */
export type PostgresLedger = { [K in keyof VmLedgerRequests]: (fleet: string, input: VmLedgerRequests[K][0]) => Promise<VmLedgerRequests[K][1]> } & {
  drainHost(fleet: string, input: DrainHostInput): Promise<DrainHostResult>;
  resync(inventory: Inventory): Promise<ResyncResult>;
  snapshot(fleet: string): Promise<LedgerSnapshot>;
  /** Delivers grants whose signal is older than `olderThanMs` and still undelivered (a worker died in between). */
  sweepGrants(opts?: { olderThanMs?: number; limit?: number }): Promise<number>;
};

const LIVE = ['queued', 'reserved', 'committed', 'leaked'] as const;

type LockMode = 'shared' | 'exclusive';

/** Thrown inside a shared-mode transaction that turns out to need the queue: it is rolled back and run exclusively. */
class NeedsQueue extends Error {}

/** The outcome of a transaction, and the grants it made, to be delivered once it has committed. */
interface Outcome<T> {
  result: T;
  grants: Grant[];
}

export function createPostgresLedger(opts: PostgresLedgerOptions): PostgresLedger {
  const { db } = opts;
  const limit = opts.candidates ?? 4;
  const knownFleets = new Map<string, Promise<void>>();

  /** Creates the fleet from its inventory on first use, so no separate bootstrap step can be forgotten. */
  const ensureFleet = (fleet: string): Promise<void> => {
    let known = knownFleets.get(fleet);
    if (!known) {
      known = (async () => {
        const row = await db.selectFrom('fleets').select('fleet').where('fleet', '=', fleet).executeTakeFirst();
        if (row) return;
        const inventory = await opts.loadInventory(fleet);
        await ledger.resync(inventory);
      })();
      knownFleets.set(fleet, known);
      known.catch(() => knownFleets.delete(fleet));
    }
    return known;
  };

  const policyOf = async (tx: LedgerTx, fleet: string): Promise<FleetPolicy> => {
    const row = await tx.selectFrom('fleets').select('policy').where('fleet', '=', fleet).executeTakeFirst();
    if (!row) throw ApplicationFailure.nonRetryable(`the ledger holds no fleet "${fleet}"`, Failure.UnknownFleet);
    return row.policy;
  };

  const someoneQueued = async (q: LedgerDb | LedgerTx, fleet: string): Promise<boolean> => {
    const row = await q.selectFrom('reservations').select('reservation_id').where('fleet', '=', fleet).where('status', '=', 'queued').limit(1).executeTakeFirst();
    return row !== undefined;
  };

  /**
   * Runs a request that may touch the boot queue under the fleet's lock, shared when nobody waits and exclusive when
   * somebody does (or when the request finds out it must wait itself), then delivers the grants it made.
   */
  const onFleet = async <T>(fleet: string, fn: (tx: LedgerTx, mode: LockMode) => Promise<Outcome<T>>): Promise<T> => {
    await ensureFleet(fleet);
    let mode: LockMode = (await someoneQueued(db, fleet)) ? 'exclusive' : 'shared';
    for (;;) {
      try {
        const outcome = await inTransaction(db, async (tx) => {
          const key = `bootshift-ledger:${fleet}`;
          if (mode === 'shared') await sql`SELECT pg_advisory_xact_lock_shared(hashtext(${key}))`.execute(tx);
          else await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
          // Someone enqueued between the look above and the lock: the release must admit, the claim must queue.
          if (mode === 'shared' && (await someoneQueued(tx, fleet))) throw new NeedsQueue();
          return fn(tx, mode);
        });
        await deliver(outcome.grants);
        return outcome.result;
      } catch (err) {
        if (!(err instanceof NeedsQueue) || mode === 'exclusive') throw err;
        mode = 'exclusive';
      }
    }
  };

  const deliverNow = (grants: Grant[]): Promise<void> =>
    deliverGrants(db, opts.grants, grants, (reservationId, fleet) => ledger.release(fleet, { reservationId }).then(() => undefined));
  const deliver = async (grants: Grant[]): Promise<void> => {
    if (grants.length === 0) return;
    // Failures are the outbox's to retry (deliverGrants records them); nothing here may reject unobserved.
    if (opts.grantsInBackground) void deliverNow(grants).catch(() => undefined);
    else await deliverNow(grants);
  };

  const reservation = async (tx: LedgerTx, reservationId: string): Promise<ReservationRow | undefined> =>
    tx.selectFrom('reservations').selectAll().where('reservation_id', '=', reservationId).forUpdate().executeTakeFirst();

  const claimOf = (row: ReservationRow): Claim => ({ vcpus: row.vcpus ?? 0, memoryMiB: row.memory_mib ?? 0, antiAffinityGroup: row.anti_affinity_group });

  /** Frees whatever a live reservation holds; the row stays, as history. */
  const releaseRow = async (tx: LedgerTx, row: ReservationRow): Promise<void> => {
    if (row.status === 'reserved' || row.status === 'committed' || row.status === 'leaked') {
      await removeUsage(tx, row.fleet, row.host!, claimOf(row));
    }
    await tx
      .updateTable('reservations')
      .set({ status: 'released', released_at: new Date() })
      .where('reservation_id', '=', row.reservation_id)
      .execute();
  };

  /** Admits queued boots strictly in order, in the transaction that made room; stops at the first that fits nowhere. */
  const admitQueued = async (tx: LedgerTx, fleet: string, mode: LockMode): Promise<Grant[]> => {
    if (mode !== 'exclusive') return [];
    const policy = await policyOf(tx, fleet);
    const grants: Grant[] = [];
    for (;;) {
      const head = await tx
        .selectFrom('reservations')
        .selectAll()
        .where('fleet', '=', fleet)
        .where('status', '=', 'queued')
        .orderBy('queue_seq')
        .limit(1)
        .forUpdate()
        .executeTakeFirst();
      if (!head) return grants;
      const host = await claimHost(tx, fleet, policy, 'boot', claimOf(head), { limit });
      if (host === undefined) return grants;
      await tx
        .updateTable('reservations')
        .set({ status: 'reserved', host, granted_at: new Date() })
        .where('reservation_id', '=', head.reservation_id)
        .execute();
      const { id } = await tx
        .insertInto('grant_outbox')
        .values({ fleet, reservation_id: head.reservation_id, workflow_id: head.workflow_id!, host, delivered_at: null, last_error: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      grants.push({ id, fleet, reservationId: head.reservation_id, workflowId: head.workflow_id!, host });
    }
  };

  /** Releases a VM's reservations in these states, and admits the queue's head if that made room. */
  const releaseVmRows = async (tx: LedgerTx, fleet: string, mode: LockMode, vmId: string, statuses: readonly ReservationRowStatus[], only?: string) => {
    let query = tx.selectFrom('reservations').selectAll().where('vm_id', '=', vmId).where('fleet', '=', fleet).where('status', 'in', [...statuses]);
    if (only !== undefined) query = query.where('reservation_id', '=', only);
    const rows = await query.forUpdate().execute();
    for (const row of rows) await releaseRow(tx, row);
    const grants = rows.length > 0 ? await admitQueued(tx, fleet, mode) : [];
    return { released: rows.map((r) => r.reservation_id).sort(), grants };
  };

  /** Records a request's refusal as the reservation's row, so a retry gets the same answer. */
  const refuse = async <R>(tx: LedgerTx, fleet: string, reservationId: string, kind: 'boot' | 'settle', vmId: string, reply: R & { reason: string }): Promise<R> => {
    await tx
      .insertInto('reservations')
      .values({ reservation_id: reservationId, fleet, kind, status: 'rejected', vm_id: vmId, workflow_id: null, host: null, vcpus: null, memory_mib: null, anti_affinity_group: null, reply: JSON.stringify(reply), reason: reply.reason, granted_at: null, committed_at: null, released_at: null, leaked_at: null })
      .execute();
    return reply;
  };

  /**
   * The answer to a request on an id the ledger has seen: the first reply to the same request (a retry); a refusal
   * when the id was released before it was reserved, or belongs to a reservation of the other kind.
   */
  const replayed = <R>(row: ReservationRow, kind: 'boot' | 'settle', refuse: (reason: string) => R): R => {
    if (row.kind === kind && row.reply !== null) return row.reply as R;
    const id = row.reservation_id;
    return refuse(row.status === 'released' ? `reservation "${id}" was released` : `reservation id "${id}" is in use`);
  };

  const ledger: PostgresLedger = {
    reserveBoot: async (fleet, raw) => {
      const input = checked(validateReserveBoot, raw);
      return onFleet<ReserveBootResult>(fleet, async (tx, mode) => {
        const seen = await reservation(tx, input.reservationId);
        if (seen) return { result: replayed<ReserveBootResult>(seen, 'boot', (reason) => ({ status: 'rejected', reason })), grants: [] };
        const held = await tx.selectFrom('reservations').select('reservation_id').where('vm_id', '=', input.vmId).where('kind', '=', 'boot').where('status', 'in', ['queued', 'reserved']).executeTakeFirst();
        if (held) {
          const reason = `vm "${input.vmId}" already holds boot reservation "${held.reservation_id}"`;
          return { result: await refuse<ReserveBootResult>(tx, fleet, input.reservationId, 'boot', input.vmId, { status: 'rejected', reason }), grants: [] };
        }
        const claim: Claim = { vcpus: input.vcpus, memoryMiB: input.memoryMiB, antiAffinityGroup: input.antiAffinityGroup ?? null };
        const row = {
          reservation_id: input.reservationId,
          fleet,
          kind: 'boot' as const,
          vm_id: input.vmId,
          workflow_id: input.workflowId,
          vcpus: input.vcpus,
          memory_mib: input.memoryMiB,
          anti_affinity_group: input.antiAffinityGroup ?? null,
          reason: null,
          committed_at: null,
          released_at: null,
          leaked_at: null,
        };
        // Strict FIFO: while anyone waits (only seen under the exclusive lock), newcomers wait behind them.
        const queueEmpty = mode === 'shared' || !(await someoneQueued(tx, fleet));
        const host = queueEmpty ? await claimHost(tx, fleet, await policyOf(tx, fleet), 'boot', claim, { limit }) : undefined;
        if (host !== undefined) {
          const result: ReserveBootResult = { status: 'reserved', host };
          await tx.insertInto('reservations').values({ ...row, status: 'reserved', host, reply: JSON.stringify(result), granted_at: new Date() }).execute();
          return { result, grants: [] };
        }
        if (mode === 'shared') throw new NeedsQueue();
        if (!(await anyBootHostCouldHold(tx, fleet, claim))) {
          const reason = `no boot host can hold ${input.vcpus} vCPUs and ${input.memoryMiB} MiB`;
          return { result: await refuse<ReserveBootResult>(tx, fleet, input.reservationId, 'boot', input.vmId, { status: 'rejected', reason }), grants: [] };
        }
        const { queue_seq: seq } = await tx
          .updateTable('fleets')
          .set({ queue_seq: sql`queue_seq + 1` })
          .where('fleet', '=', fleet)
          .returning('queue_seq')
          .executeTakeFirstOrThrow();
        const { ahead } = await tx
          .selectFrom('reservations')
          .select((eb) => eb.fn.countAll<string>().as('ahead'))
          .where('fleet', '=', fleet)
          .where('status', '=', 'queued')
          .executeTakeFirstOrThrow();
        const result: ReserveBootResult = { status: 'queued', position: Number(ahead) + 1 };
        await tx.insertInto('reservations').values({ ...row, status: 'queued', host: null, queue_seq: seq, reply: JSON.stringify(result), granted_at: null }).execute();
        return { result, grants: [] };
      });
    },

    // Settle slots never touch the boot queue: no fleet lock, only the host rows.
    reserveSettle: async (fleet, raw) => {
      const input = checked(validateReserveSettle, raw);
      await ensureFleet(fleet);
      return inTransaction(db, async (tx): Promise<ReserveSettleResult> => {
        const seen = await reservation(tx, input.reservationId);
        if (seen) return replayed<ReserveSettleResult>(seen, 'settle', (reason) => ({ status: 'unavailable', reason }));
        const unavailable = (reason: string) => refuse<ReserveSettleResult>(tx, fleet, input.reservationId, 'settle', input.vmId, { status: 'unavailable', reason });
        const live = await tx.selectFrom('reservations').selectAll().where('vm_id', '=', input.vmId).where('status', 'in', ['queued', 'reserved', 'committed']).forUpdate().execute();
        const settle = live.find((r) => r.kind === 'settle');
        if (settle) return unavailable(`vm "${input.vmId}" already holds settle reservation "${settle.reservation_id}"`);
        const boot = live.find((r) => r.kind === 'boot' && r.status === 'reserved');
        if (!boot) return unavailable(`vm "${input.vmId}" holds no reserved boot slot`);
        const host = await claimHost(tx, fleet, await policyOf(tx, fleet), 'settle', claimOf(boot), { limit, exclude: input.exclude ?? [] });
        if (host === undefined) return unavailable(`no settle host fits vm "${input.vmId}"`);
        const result: ReserveSettleResult = { status: 'reserved', host };
        await tx
          .insertInto('reservations')
          .values({
            reservation_id: input.reservationId,
            fleet,
            kind: 'settle',
            status: 'reserved',
            vm_id: input.vmId,
            workflow_id: boot.workflow_id,
            host,
            vcpus: boot.vcpus,
            memory_mib: boot.memory_mib,
            anti_affinity_group: boot.anti_affinity_group,
            reply: JSON.stringify(result),
            reason: null,
            granted_at: new Date(),
            committed_at: null,
            released_at: null,
            leaked_at: null,
          })
          .execute();
        return result;
      });
    },

    /** The VM now runs on its settle host: the settle slot is committed and the boot slot freed (admitting the queue). */
    commitMove: async (fleet, raw) => {
      const input = checked(validateCommitMove, raw);
      return onFleet<CommitMoveResult>(fleet, async (tx, mode) => {
        const settle = await reservation(tx, input.reservationId);
        if (settle?.kind !== 'settle' || settle.vm_id !== input.vmId || settle.host === null) return { result: { status: 'unknown' }, grants: [] };
        if (settle.status === 'committed') return { result: { status: 'committed', host: settle.host }, grants: [] };
        if (settle.status !== 'reserved') return { result: { status: 'unknown' }, grants: [] };
        const boots = await tx.selectFrom('reservations').selectAll().where('vm_id', '=', input.vmId).where('kind', '=', 'boot').where('status', 'in', ['queued', 'reserved']).forUpdate().execute();
        for (const boot of boots) await releaseRow(tx, boot);
        await tx.updateTable('reservations').set({ status: 'committed', committed_at: new Date() }).where('reservation_id', '=', settle.reservation_id).execute();
        return { result: { status: 'committed', host: settle.host }, grants: await admitQueued(tx, fleet, mode) };
      });
    },

    release: async (fleet, raw) => {
      const input = checked(validateRelease, raw);
      return onFleet<ReleaseResult>(fleet, async (tx, mode) => {
        const row = await reservation(tx, input.reservationId);
        if (!row) {
          // Remembered too: a late reserve with this id must not take a slot that nobody will free.
          await tx
            .insertInto('reservations')
            .values({ reservation_id: input.reservationId, fleet, kind: null, status: 'released', vm_id: null, workflow_id: null, host: null, vcpus: null, memory_mib: null, anti_affinity_group: null, reply: null, reason: 'released before it was reserved', granted_at: null, committed_at: null, released_at: new Date(), leaked_at: null })
            .onConflict((oc) => oc.column('reservation_id').doNothing())
            .execute();
          return { result: { status: 'unknown' }, grants: [] };
        }
        if (row.kind === null || row.status === 'rejected') return { result: { status: 'unknown' }, grants: [] };
        if (row.status === 'released') return { result: { status: 'released' }, grants: [] };
        if (row.status === 'leaked') return { result: { status: 'leaked' }, grants: [] };
        await releaseRow(tx, row);
        return { result: { status: 'released' }, grants: await admitQueued(tx, fleet, mode) };
      });
    },

    /** Everything the VM still holds, leaked capacity included: what decommissioning needs once the domain is gone. */
    releaseVm: async (fleet, raw) => {
      const input = checked(validateReleaseVm, raw);
      return onFleet<ReleaseVmResult>(fleet, async (tx, mode) => {
        const { released, grants } = await releaseVmRows(tx, fleet, mode, input.vmId, LIVE);
        return { result: { status: 'released', reservations: released }, grants };
      });
    },

    /** The domain may still run: its capacity stays held, marked, instead of being counted free. */
    markLeaked: async (fleet, raw) => {
      const input = checked(validateMarkLeaked, raw);
      await ensureFleet(fleet);
      return inTransaction(db, async (tx): Promise<MarkLeakedResult> => {
        let rows = tx.selectFrom('reservations').selectAll().where('fleet', '=', fleet).where('vm_id', '=', input.vmId).where('status', 'in', ['reserved', 'committed', 'leaked']);
        if (input.reservationId !== undefined) rows = rows.where('reservation_id', '=', input.reservationId);
        if (input.host !== undefined) rows = rows.where('host', '=', input.host);
        const held = await rows.forUpdate().execute();
        const fresh = held.filter((r) => r.status !== 'leaked').map((r) => r.reservation_id);
        if (fresh.length > 0) {
          await tx.updateTable('reservations').set({ status: 'leaked', reason: input.reason, leaked_at: new Date() }).where('reservation_id', 'in', fresh).execute();
        }
        return { status: 'leaked', reservations: held.map((r) => r.reservation_id).sort() };
      });
    },

    clearLeaked: async (fleet, raw) => {
      const input = checked(validateClearLeaked, raw);
      return onFleet<ClearLeakedResult>(fleet, async (tx, mode) => {
        const { released, grants } = await releaseVmRows(tx, fleet, mode, input.vmId, ['leaked'], input.reservationId);
        return { result: { status: 'cleared', reservations: released }, grants };
      });
    },

    drainHost: async (fleet, raw) => {
      const input = checked(validateDrainHost, raw);
      await ensureFleet(fleet);
      const row = await db
        .updateTable('hosts')
        .set({ state: sql`CASE WHEN state = 'active' THEN 'draining' ELSE state END` })
        .where('fleet', '=', fleet)
        .where('name', '=', input.host)
        .returning('state')
        .executeTakeFirst();
      if (!row) return { status: 'unknown', host: input.host };
      return { status: row.state === 'down' ? 'down' : 'draining', host: input.host };
    },

    resync: async (inventory) => {
      const fleet = inventory.fleet;
      // Always exclusive: hosts appear, change capacity or go, and the queue's head may fit now.
      const outcome = await inTransaction(db, async (tx) => {
        await sql`SELECT pg_advisory_xact_lock(hashtext(${`bootshift-ledger:${fleet}`}))`.execute(tx);
        const result = await resyncFleet(tx, inventory);
        return { result, grants: result.status === 'resynced' ? await admitQueued(tx, fleet, 'exclusive') : [] };
      });
      knownFleets.set(fleet, Promise.resolve());
      await deliver(outcome.grants);
      return outcome.result;
    },

    snapshot: async (fleet) => {
      await ensureFleet(fleet);
      return snapshotOf(db, fleet);
    },

    sweepGrants: async (sweep = {}) => {
      const pending = await db
        .updateTable('grant_outbox')
        .set({ attempts: sql`attempts + 1` })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('grant_outbox')
            .select('id')
            .where('delivered_at', 'is', null)
            .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${(sweep.olderThanMs ?? 5000) / 1000})`)
            .orderBy('id')
            .limit(sweep.limit ?? 100)
            .forUpdate()
            .skipLocked(),
        )
        .returning(['id', 'fleet', 'reservation_id', 'workflow_id', 'host'])
        .execute();
      await deliverNow(pending.map((p) => ({ id: p.id, fleet: p.fleet, reservationId: p.reservation_id, workflowId: p.workflow_id, host: p.host })));
      return pending.length;
    },
  };
  return ledger;
}

/** A request the ledger can never accept, whoever retries it: the validator's own `field: rule` message, non-retryable. */
function checked<T>(validate: (input: unknown) => T, input: unknown): T {
  try {
    return validate(input);
  } catch (err) {
    if (err instanceof ValidationError) throw ApplicationFailure.nonRetryable(err.message, Failure.InvalidLedgerInput);
    throw err;
  }
}
