// The WorkflowPort over the Temporal client: progress signals from the migrate activity, the boot-complete report (from
// the gateway, the guest-agent watcher and simulated guests alike), the ledger's grants to queued VMs, and waiting for a VM's provisioning to be over
// (cancelling it first when asked) for decommissioning.
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { BootReportOutcome, WorkflowOutcome, WorkflowPort } from '../activities/ports';
import { bootCompleteUpdate, bootSlotGrantedSignal, migrationProgressSignal } from '../workflows/messages';
import type { BootCompleteEvent, ProvisionVmResult } from '../workflows/types';

/**
 * Reports a boot as complete to a VM's provisionVm workflow (that run, when one is named), but only to one that exists
 * and still runs: the gateway answers 404 for anything else, and never reaches a workflow of another type. The
 * workflow's validator has the last word.
 */
export function createBootReporter(client: Client): WorkflowPort['reportBootComplete'] {
  return async (workflowId: string, event: BootCompleteEvent, runId?: string): Promise<BootReportOutcome> => {
    const handle = client.workflow.getHandle(workflowId, runId);
    try {
      const description = await handle.describe();
      if (description.type !== 'provisionVm') return 'not_found';
      if (description.status.name !== 'RUNNING') return 'closed';
      await handle.executeUpdate(bootCompleteUpdate, { args: [event] });
      return 'accepted';
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) return 'refused';
      // Also covers a workflow that closed between describe and update.
      if (err instanceof WorkflowNotFoundError) return 'not_found';
      throw err;
    }
  };
}

/** The ledger's grants to queued VMs, as signals; a workflow that is gone (or closed) cannot take its slot. */
export function createGrantSender(client: Client): WorkflowPort['grantBootSlot'] {
  return async (workflowId, grant) => {
    try {
      await client.workflow.getHandle(workflowId).signal(bootSlotGrantedSignal, grant);
      return 'delivered';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'gone';
      throw err;
    }
  };
}

export function createWorkflowPort(client: Client): WorkflowPort {
  return {
    reportBootComplete: createBootReporter(client),
    grantBootSlot: createGrantSender(client),
    async signalMigrationProgress(workflowId, event) {
      await client.workflow.getHandle(workflowId).signal(migrationProgressSignal, event);
    },
    async awaitOutcome(workflowId, { cancel }): Promise<WorkflowOutcome> {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        if (cancel && status.name === 'RUNNING') await handle.cancel();
        return { status: 'completed', result: (await handle.result()) as ProvisionVmResult };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { status: 'not_found' };
        if (err instanceof WorkflowFailedError) return { status: failureStatus(err.cause), error: String(err.cause?.message ?? err.message) };
        throw err;
      }
    },
  };
}

function failureStatus(cause: unknown): 'failed' | 'cancelled' | 'terminated' | 'timed_out' {
  if (cause instanceof CancelledFailure) return 'cancelled';
  if (cause instanceof TerminatedFailure) return 'terminated';
  if (cause instanceof TimeoutFailure) return 'timed_out';
  return 'failed';
}
