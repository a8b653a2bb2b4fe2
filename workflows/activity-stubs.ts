// Timeouts and retry policies, per kind of activity. Ledger calls are short PostgreSQL transactions, idempotent by
// reservation id: local activities (one marker in the VM's history instead of three events), retried patiently.
// VM operations retry a few times unless the failure is permanent, and heartbeat, so a dead worker is noticed within
// seconds; migration heartbeats too, which is also how cancellation reaches the libvirt job (the workflow waits for
// the abort to finish before it cleans up).
// Every call also carries a one-line summary of what it does to which VM and host (Temporal's user metadata, shown
// on the workflow's page in the UI), made from its input by the table below, so call sites stay plain calls.
import {
  ActivityCancellationType,
  proxyActivities,
  proxyLocalActivities,
  type ActivityInterfaceFor,
  type LocalActivityInterfaceFor,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { Failure, formatMiB, reservationPurposeOf, vmNameOf } from '../domain';

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

type Summaries = { [K in keyof Activities]: (input: Parameters<Activities[K]>[0]) => string };

/** What each activity call does, in the words of the Temporal UI's event list; a new activity must say it too. */
const SUMMARIES: Summaries = {
  checkVm: ({ spec }) => `check ${spec.name}'s image and disk against ${spec.fleet !== undefined ? `fleet ${spec.fleet}` : 'its fleet'}`,
  reserveBootSlot: (i) => `reserve a boot slot in fleet ${i.fleet} (${i.vcpus} vCPU / ${formatMiB(i.memoryMiB)})`,
  reserveSettleSlot: (i) => `reserve a settle slot in fleet ${i.fleet}${i.exclude?.length ? `, not on ${i.exclude.join(', ')}` : ''}`,
  commitMove: (i) => `commit ${vmNameOf(i.vmId)}'s move in fleet ${i.fleet}: keep the settle slot, free the boot slot`,
  releaseSlot: (i) => `release the ${reservationPurposeOf(i.reservationId)} slot in fleet ${i.fleet}`,
  releaseVmSlots: (i) => `release every reservation of ${vmNameOf(i.vmId)} in fleet ${i.fleet}`,
  markLeaked: (i) => `hold ${vmNameOf(i.vmId)}'s capacity${i.host ? ` on ${i.host}` : ''} as leaked (its domain could not be destroyed)`,
  clearLeaked: (i) => `free ${vmNameOf(i.vmId)}'s leaked capacity (its domain is gone)`,
  defineAndStartVm: (i) => `define and start ${i.spec.name} on ${i.host}`,
  detachSeed: (i) => `eject and delete the cloud-init seed on ${i.host} (it holds the boot token)`,
  awaitGuestAgent: (i) => `ask the guest agent on ${i.host} until cloud-init reports done`,
  migrateVm: (i) => `live-migrate ${vmNameOf(i.workflowId)} ${i.from} → ${i.to}`,
  destroyVm: (i) => `destroy ${vmNameOf(i.vmId)} on ${i.host} and delete its volumes there`,
  locateVm: (i) => `find ${i.domainName} on ${i.hosts ? i.hosts.join(', ') : `every host of fleet ${i.fleet}`}`,
  awaitProvisionOutcome: (i) => `${i.cancel ? 'cancel and ' : ''}wait for ${i.workflowId} to close`,
};

type Stubs = { [K in keyof Activities]: (input: Parameters<Activities[K]>[0]) => Promise<Awaited<ReturnType<Activities[K]>>> };

/** The stubs, each call made with its summary (`executeWithOptions` merges it into the proxy's options). */
function summarized(stubs: ActivityInterfaceFor<Activities> | LocalActivityInterfaceFor<Activities>): Stubs {
  return new Proxy(stubs, {
    get(target, name) {
      const stub = Reflect.get(target, name) as { executeWithOptions(options: { summary: string }, args: unknown[]): Promise<unknown> };
      const summarize = SUMMARIES[name as keyof Activities] as (input: unknown) => string;
      return (input: unknown) => {
        // Input a workflow did not check itself (checkVm's, decommissionVm's) may lack what the text names: the
        // activity, not the workflow task, must be the one to fail on it.
        let summary: string;
        try {
          summary = summarize(input);
        } catch {
          summary = String(name);
        }
        return stub.executeWithOptions({ summary }, [input]);
      };
    },
  }) as unknown as Stubs;
}

/**
 * A host that cannot be asked may still hold the VM: workflows that must know where it is ask again this many times,
 * this far apart, before giving up (decommissioning, and locating a VM after a failed migration).
 */
export const UNREACHABLE_PATIENCE = { attempts: 30, interval: '10 seconds' } as const;

/** Judging a spec against the fleet: quick, but hashing a new base image file can take a few seconds. */
export const checks = summarized(proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: permanent },
}));

export const ledger = summarized(proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Past this, a retry waits on a workflow timer rather than inside the workflow task (a database down for a while).
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '10 seconds', nonRetryableErrorTypes: [Failure.InvalidLedgerInput, Failure.UnknownFleet] },
}));

// A first boot on a host uploads the base image (hundreds of MB) before defining the domain.
export const vms = summarized(proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 8, nonRetryableErrorTypes: permanent },
}));

// Undoing a placement (teardown.ts) tries only briefly: a host that still does not answer has the placement held as
// leaked and handed to reclaimLeaked, which keeps trying for as long as the host takes to come back. Meanwhile the
// VM's own workflow goes on (to another settle host, or to its end) instead of waiting minutes on a dead host.
export const teardowns = summarized(proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '4 seconds', maximumAttempts: 3, nonRetryableErrorTypes: permanent },
}));

// A migration is retried through lost workers (heartbeat timeouts) for as long as it takes; only libvirt saying the
// migration itself failed, MIGRATION_ATTEMPTS times (the activity counts, and then fails non-retryably), sends the VM
// to another settle host. MigrationFailed itself is not listed as non-retryable: the activity marks each failure
// retryable or final, and a passing one must be tried again on the same host.
export const migrations = summarized(proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '20 seconds',
    maximumAttempts: 50,
    nonRetryableErrorTypes: permanent,
  },
}));

export const watchers = summarized(proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
}));
