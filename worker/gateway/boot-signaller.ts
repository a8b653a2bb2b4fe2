// Delivers a boot-complete signal to a VM's provisionVm workflow, but only to one that exists and still runs: the
// gateway answers 404 for anything else, and never signals a workflow of another type.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { bootCompleteSignal } from '../../workflows/messages';
import type { BootCompleteEvent } from '../../workflows/types';
import type { SignalOutcome } from './server';

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
