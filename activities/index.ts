// createActivities(deps): every activity bootshift's workflows call, built from injected ports so that tests and
// benchmarks run the same activities against a simulated hypervisor and the worker runs them against libvirt.
// The ledger steps are one-liners over the LedgerPort (PostgreSQL, reached from activities because workflow code
// cannot do I/O); it makes every request idempotent by reservation id, which is what makes them safe to retry.
import { heartbeating } from './heartbeat';
import type { LedgerPort, LedgerRequest, WorkflowOutcome } from './ports';
import { createVmActivities, type VmActivityDeps } from './vm-activities';

export interface ActivityDeps extends VmActivityDeps {
  ledger: LedgerPort;
}

export function createActivities(deps: ActivityDeps) {
  const { ledger, workflows } = deps;
  return {
    reserveBootSlot: ({ fleet, ...input }: LedgerRequest<'reserveBoot'>) => ledger.reserveBoot(fleet, input),
    reserveSettleSlot: ({ fleet, ...input }: LedgerRequest<'reserveSettle'>) => ledger.reserveSettle(fleet, input),
    commitMove: ({ fleet, ...input }: LedgerRequest<'commitMove'>) => ledger.commitMove(fleet, input),
    releaseSlot: ({ fleet, ...input }: LedgerRequest<'release'>) => ledger.release(fleet, input),
    releaseVmSlots: ({ fleet, ...input }: LedgerRequest<'releaseVm'>) => ledger.releaseVm(fleet, input),
    markLeaked: ({ fleet, ...input }: LedgerRequest<'markLeaked'>) => ledger.markLeaked(fleet, input),
    clearLeaked: ({ fleet, ...input }: LedgerRequest<'clearLeaked'>) => ledger.clearLeaked(fleet, input),
    ...createVmActivities(deps),
    /**
     * Decommissioning must not race the VM's own provisioning: it cancels a running provisionVm (whose saga then
     * cleans up what it made) and waits for it to close, heartbeating so a worker crash hands the wait on.
     */
    awaitProvisionOutcome: (input: { workflowId: string; cancel: boolean }): Promise<WorkflowOutcome> =>
      heartbeating(() => workflows.awaitOutcome(input.workflowId, { cancel: input.cancel })),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './ports';
