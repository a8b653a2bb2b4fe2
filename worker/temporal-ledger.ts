// The LedgerPort over Temporal: each reservation step is an update on the fleet's ledger workflow. The ledger is
// started on first use (update-with-start, USE_EXISTING) from the inventory file, so no separate bootstrap step can
// be forgotten; update ids are the request keys, so a retried call is deduplicated by the server as well.
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Failure, ledgerWorkflowId, type Inventory } from '../domain';
import type { LedgerPort } from '../activities/ports';
import {
  commitMoveUpdate,
  getLedgerSnapshotQuery,
  releaseUpdate,
  releaseVmUpdate,
  reserveBootUpdate,
  reserveSettleUpdate,
} from '../workflows/messages';
import type { UpdateDefinition } from '@temporalio/common';
import type { LedgerSnapshot } from '../domain';

export interface TemporalLedgerOptions {
  client: Client;
  taskQueue: string;
  loadInventory: (fleet: string) => Promise<Inventory>;
  /** Carried into the ledger's input: continue-as-new after this many history events (tests use small values). */
  historyLimit?: number;
}

export interface TemporalLedger extends LedgerPort {
  snapshot(fleet: string): Promise<LedgerSnapshot>;
}

export function createTemporalLedger(opts: TemporalLedgerOptions): TemporalLedger {
  const send = <Ret, Arg>(fleet: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg, updateId: string): Promise<Ret> =>
    sendOrStart(fleet, update, arg, updateId).catch((err: unknown) => {
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
    // No update id: releasing a VM is idempotent by itself, and a later decommission of a re-created VM must run.
    releaseVm: (fleet, input) => send(fleet, releaseVmUpdate, input, `releaseVm:${input.vmId}:${Date.now()}`),
    snapshot: snapshotOf,
  };
}
