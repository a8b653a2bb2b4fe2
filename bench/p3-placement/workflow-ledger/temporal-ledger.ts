// bench P3's baseline: the LedgerPort over the legacy fleetLedger workflow (the product's ledger is PostgreSQL): each reservation step is an update on the fleet's ledger workflow. The ledger is
// started on first use (update-with-start, USE_EXISTING) from the inventory file, so no separate bootstrap step can
// be forgotten; update ids are the request keys, so a retried call is deduplicated by the server as well.
import pLimit from 'p-limit';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Failure, type Inventory } from '../../../domain';
import type { LedgerPort } from '../../../activities/ports';
import {
  commitMoveUpdate,
  getLedgerSnapshotQuery,
  releaseUpdate,
  releaseVmUpdate,
  reserveBootUpdate,
  reserveSettleUpdate,
  ledgerWorkflowId,
} from './messages';
import type { UpdateDefinition } from '@temporalio/common';
import type { LedgerSnapshot } from '../../../domain';

export interface TemporalLedgerOptions {
  client: Client;
  taskQueue: string;
  loadInventory: (fleet: string) => Promise<Inventory>;
  /** Carried into the ledger's input: continue-as-new after this many history events (tests use small values). */
  historyLimit?: number;
  /** Updates this process has in flight to the ledger at once; see DEFAULT_MAX_IN_FLIGHT_UPDATES. */
  maxInFlightUpdates?: number;
}

/**
 * The server admits at most 10 in-flight updates per workflow (history.maxInFlightUpdates). Past that it answers
 * RESOURCE_EXHAUSTED, the client retries, admitted updates get aborted and the ledger's rate collapses (bench P3:
 * 278 reservations/s with 10 callers, 57/s with 20). Every VM activity of a worker can reach the ledger at once (100
 * activity slots by default), so the adapter queues its updates locally and keeps below the server's limit.
 */
export const DEFAULT_MAX_IN_FLIGHT_UPDATES = 8;

export interface TemporalLedger extends Omit<LedgerPort, 'markLeaked' | 'clearLeaked'> {
  snapshot(fleet: string): Promise<LedgerSnapshot>;
}

export function createTemporalLedger(opts: TemporalLedgerOptions): TemporalLedger {
  const inFlight = pLimit(opts.maxInFlightUpdates ?? DEFAULT_MAX_IN_FLIGHT_UPDATES);
  const send = <Ret, Arg>(fleet: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> =>
    inFlight(() => sendOrStart(fleet, update, arg, updateId)).catch((err: unknown) => {
      // A rejected update (the ledger's validator said no) will be rejected again: make that non-retryable and
      // surface the validator's own `field: rule` message rather than "Workflow Update failed".
      if (err instanceof WorkflowUpdateFailedError) {
        throw ApplicationFailure.nonRetryable(err.cause?.message ?? err.message, Failure.InvalidLedgerInput);
      }
      throw err;
    });
  const sendOrStart = async <Ret, Arg>(fleet: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> => {
    const workflowId = ledgerWorkflowId(fleet);
    try {
      return await opts.client.workflow.getHandle(workflowId).executeUpdate(update, { args: [arg], updateId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    const startWorkflowOperation = new WithStartWorkflowOperation('fleetLedger', {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [{ inventory: await opts.loadInventory(fleet), ...(opts.historyLimit && { historyLimit: opts.historyLimit }) }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return opts.client.workflow.executeUpdateWithStart(update, { args: [arg], updateId, startWorkflowOperation });
  };
  const snapshotOf = (fleet: string) => opts.client.workflow.getHandle(ledgerWorkflowId(fleet)).query(getLedgerSnapshotQuery);
  return {
    reserveBoot: (fleet, input) => send(fleet, reserveBootUpdate, input, `reserveBoot:${input.reservationId}`),
    reserveSettle: (fleet, input) => send(fleet, reserveSettleUpdate, input, `reserveSettle:${input.reservationId}`),
    commitMove: (fleet, input) => send(fleet, commitMoveUpdate, input, `commitMove:${input.reservationId}`),
    release: (fleet, input) => send(fleet, releaseUpdate, input, `release:${input.reservationId}`),
    // A fresh update id each call, not the VM's: releasing a VM is idempotent by itself, and the server must not answer
    // a later decommission of a re-created VM with the reply it kept for the first one.
    releaseVm: (fleet, input) => send(fleet, releaseVmUpdate, input, `releaseVm:${input.vmId}:${Date.now()}`),
    snapshot: snapshotOf,
  };
}
