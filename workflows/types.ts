// Inputs, results and message payloads of bootshift's workflows: one input object and one result object per workflow,
// plain JSON, shared by the worker, the Pulumi provider, the CLI and the tests.
import type { VmSpecInput } from '../domain';

/** `unsettled`: booted, but no settle host could take it, so it keeps running on its boot host. */
export type VmPhase = 'placing' | 'booting' | 'migrating' | 'settled' | 'unsettled' | 'failed' | 'decommissioned';

/** Phases a caller can wait for; `booted` is reached when the boot-complete signal arrives. */
export type WaitablePhase = 'booting' | 'booted' | 'migrating' | 'settled';

export interface ProvisionVmInput {
  /** The VM's id everywhere (ledger, domain metadata); by convention the workflow id `vm/<project>/<stack>/<name>`. */
  vmId: string;
  /** Checked by the workflow before anything else (defaults filled in), so a bad one reserves nothing. */
  spec: VmSpecInput;
  /** How long a boot request may wait in the ledger's queue for an undersubscribed host. */
  queueTimeoutSeconds?: number;
  /** How many settle hosts to try before leaving the VM on its boot host. */
  maxSettleHosts?: number;
}

export interface MigrationAttempt {
  host: string;
  error: string;
}

export interface ProvisionVmResult {
  vmId: string;
  domainName: string;
  /** Where the VM runs now. */
  host: string;
  bootHost: string;
  settleHost: string | null;
  /** false when no settle host could take it: it keeps running on its boot host. */
  settled: boolean;
  note?: string;
  queuedMs: number;
  bootMs: number;
  migrateMs: number | null;
  /** MiB of disk the live migration copied (the VM's own layer); null when nothing was copied. */
  migrateDiskMiB: number | null;
  totalMs: number;
  bootSource: BootCompleteEvent['source'];
  bootReservationId: string;
  settleReservationId: string | null;
  migrationAttempts: MigrationAttempt[];
}

export interface BootCompleteEvent {
  /**
   * `guest`: the guest phoned home through the gateway (cloud-init's phone_home, or the lab guest's own call);
   * `guest-agent`: the worker asked the QEMU guest agent and cloud-init reported done; `manual`: an operator override
   * (bootshift vm signal-boot).
   */
  source: 'guest' | 'guest-agent' | 'manual';
  /** From the gateway: the nonce the guest's token was made for, which must be this boot's. */
  nonce?: string;
  /** Free-form provenance kept in the history: the caller's address, the cloud-init instance id, the operator. */
  detail?: Record<string, string>;
}

export interface MigrationProgressEvent {
  target: string;
  percent: number;
  attempt: number;
  /** The disk copy, between hosts that share no storage (only the VM's own layer moves). */
  diskProcessedMiB?: number;
  diskTotalMiB?: number;
  /** Everything the job moved so far (memory, and disk when copied), and since when: the rate the UI shows. */
  dataProcessedMiB?: number;
  elapsedMs?: number;
}

export interface VmStatus {
  vmId: string;
  name: string;
  phase: VmPhase;
  domainName: string;
  host: string | null;
  bootHost: string | null;
  settleHost: string | null;
  queuePosition: number | null;
  /** Workflow-clock milliseconds since the epoch. */
  timings: {
    requestedAt: number;
    placedAt?: number;
    bootStartedAt?: number;
    bootedAt?: number;
    migrateStartedAt?: number;
    settledAt?: number;
  };
  migration: MigrationProgressEvent | null;
  migrationAttempts: MigrationAttempt[];
  bootSource: BootCompleteEvent['source'] | null;
  error: string | null;
  /** Clean-up steps that failed after a failure (what may have been left behind), by name. */
  leftovers: string[];
}

export interface DecommissionVmInput {
  vmId: string;
  /** The provisionVm workflow id of this VM: a running one is cancelled (it cleans up itself), a closed one is read. */
  provisionWorkflowId: string;
  fleet: string;
}

export interface DecommissionVmResult {
  vmId: string;
  destroyedOn: string[];
  /** The VM's volumes deleted, as `host:volume`. */
  deletedVolumes: string[];
  releasedReservations: string[];
}


/** A placement whose domain could not be destroyed, held as leaked until reclaimLeaked (or an operator) frees it. */
export interface ReclaimLeakedInput {
  fleet: string;
  vmId: string;
  domainName: string;
  host: string;
  reservationId: string;
  /** The provisioning the domain belongs to (its first run id): a later one's domain of the same name is not it. */
  firstRunId?: string;
}

export interface ReclaimLeakedResult {
  attempts: number;
  /** The leaked reservations freed (none if a decommission had freed them first). */
  freed: string[];
}
