// createActivities(deps): every activity bootshift's workflows call, built from injected ports so that tests and
// benchmarks run the same activities against a simulated hypervisor and the worker runs them against libvirt.
import { createLedgerActivities } from './ledger-activities';
import type { LedgerPort } from './ports';
import { createVmActivities, type VmActivityDeps } from './vm-activities';
import { createWorkflowActivities } from './workflow-activities';

export interface ActivityDeps extends VmActivityDeps {
  ledger: LedgerPort;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLedgerActivities(deps.ledger),
    ...createVmActivities(deps),
    ...createWorkflowActivities(deps.workflows),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type * from './types';
export type * from './ports';
