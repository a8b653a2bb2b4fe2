// The WorkflowPort over the Temporal client: progress signals from the migrate activity, the boot-complete signal (from
// the gateway, the guest-agent watcher and simulated guests alike), and waiting for a VM's provisioning to be over
// (cancelling it first when asked) for decommissioning.
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import type { SignalOutcome, WorkflowOutcome, WorkflowPort } from '../activities/ports';
import { bootCompleteSignal, migrationProgressSignal } from '../workflows/messages';
import type { BootCompleteEvent, ProvisionVmResult } from '../workflows/types';

/**
 * Delivers a boot-complete signal to a VM's provisionVm workflow, but only to one that exists and still runs: the
 * gateway answers 404 for anything else, and never signals a workflow of another type.
 */
export function createBootSignaller(client: Client): (workflowId: string, event: BootCompleteEvent) => Promise<SignalOutcome> {
  return async (workflowId, event) => {
    const handle = client.workflow.getHandle(workflowId);
    try {
      const description = await handle.describe();
      if (description.type !== 'provisionVm') return 'not_found';
      if (description.status.name !== 'RUNNING') return 'closed';
      await handle.signal(bootCompleteSignal, event);
      return 'delivered';
    } catch (err) {
      // Also covers a workflow that closed between describe and signal.
      if (err instanceof WorkflowNotFoundError) return 'not_found';
      throw err;
    }
  };
}

export function createWorkflowPort(client: Client): WorkflowPort {
  return {
    signalBootComplete: createBootSignaller(client),
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
