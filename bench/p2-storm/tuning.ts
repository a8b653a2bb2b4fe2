// One set of worker settings for both P2 workers (bootshift's and the bare ceiling's), so the fraction compares
// workflows, not tunings. Workflow tasks: enough slots to keep the single workflow thread busy; cache: every running
// workflow (1,000 VMs + the ledger) stays cached, so nothing is replayed after eviction. Activities: the SDK's
// default of 100 slots; the ledger adapter keeps its own updates under the server's per-workflow in-flight limit
// (worker/temporal-ledger.ts), so more slots no longer make the ledger refuse them.
export const STORM_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxCachedWorkflows: 1500,
  maxConcurrentActivityTaskExecutions: 100,
};
