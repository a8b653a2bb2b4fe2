// One set of worker settings for both P2 workers (bootshift's and the bare ceiling's), so the fraction compares
// workflows, not tunings; unchanged since the ledger moved to PostgreSQL, so the storm's before and after compare the
// ledgers. Workflow tasks: enough slots to keep the single workflow thread busy; cache: every running workflow (the
// 1,000 VMs) stays cached, so nothing is replayed after eviction. Activities: the SDK's default of 100 slots (the
// ledger's calls are local activities, which have slots of their own).
export const STORM_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxCachedWorkflows: 1500,
  maxConcurrentActivityTaskExecutions: 100,
};
