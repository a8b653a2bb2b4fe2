// Timeouts and retry policies, per kind of activity. Ledger calls are short PostgreSQL transactions, idempotent by
// reservation id: local activities (one marker in the VM's history instead of three events), retried patiently.
// VM operations retry a few times unless the failure is permanent, and heartbeat, so a dead worker is noticed within
// seconds; migration heartbeats too, which is also how cancellation reaches the libvirt job (the workflow waits for
// the abort to finish before it cleans up).
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { Failure } from '../domain';

const permanent = [
  Failure.InvalidVmSpec,
  Failure.InvalidDomainSpec,
  Failure.InvalidHost,
  Failure.UnknownFleet,
  Failure.UnknownHost,
  Failure.DomainConflict,
  Failure.DomainRejected,
  Failure.ToolMissing,
  Failure.Cancelled,
];

/**
 * A host that cannot be asked may still hold the VM: workflows that must know where it is ask again this many times,
 * this far apart, before giving up (decommissioning, and locating a VM after a failed migration).
 */
export const UNREACHABLE_PATIENCE = { attempts: 30, interval: '10 seconds' } as const;

/** Judging a spec against the fleet: quick, but hashing a new base image file can take a few seconds. */
export const checks = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: permanent },
});

export const ledger = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Past this, a retry waits on a workflow timer rather than inside the workflow task (a database down for a while).
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '10 seconds', nonRetryableErrorTypes: [Failure.InvalidLedgerInput, Failure.UnknownFleet] },
});

// A first boot on a host uploads the base image (hundreds of MB) before defining the domain.
export const vms = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: permanent },
});

// A migration is retried through lost workers (heartbeat timeouts) for as long as it takes; only libvirt saying the
// migration itself failed, MIGRATION_ATTEMPTS times (the activity counts, and then fails non-retryably), sends the VM
// to another settle host. MigrationFailed itself is not listed as non-retryable: the activity marks each failure
// retryable or final, and a passing one must be tried again on the same host.
export const migrations = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '20 seconds',
    maximumAttempts: 50,
    nonRetryableErrorTypes: permanent,
  },
});

export const watchers = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});
