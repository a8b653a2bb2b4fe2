// Decommissioning must not race the VM's own provisioning: it cancels a running provisionVm (whose saga then cleans
// up what it made) and waits for it to close, heartbeating so a worker crash hands the wait to another worker.
import { heartbeating } from './heartbeat';
import type { WorkflowOutcome, WorkflowPort } from './ports';

export function createWorkflowActivities(workflows: WorkflowPort) {
  return {
    async awaitProvisionOutcome(input: { workflowId: string; cancel: boolean }): Promise<WorkflowOutcome> {
      return heartbeating(() => workflows.awaitOutcome(input.workflowId, { cancel: input.cancel }));
    },
  };
}
