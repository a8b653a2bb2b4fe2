// The WorkflowPort over the Temporal client: progress signals from the migrate activity, and waiting for a VM's
// provisioning to be over (cancelling it first when asked) for decommissioning.
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { WorkflowOutcome, WorkflowPort } from '../activities/ports';
import { migrationProgressSignal } from '../workflows/messages';
import type { ProvisionVmResult } from '../workflows/types';

export function createWorkflowPort(client: Client): WorkflowPort {
  return {
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
