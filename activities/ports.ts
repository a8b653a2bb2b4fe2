// What activities need from outside besides the hypervisor, as ports the worker fills in: the fleet ledger (a
// Temporal workflow, reached through the client), the inventory (a file), the signer of boot tokens, and a way to
// talk back to workflows. Tests inject fakes; activities never import workflow code or read the environment.
// Then the activities' own inputs and results: one object in, one object out, plain JSON (workflows import these as
// types only).
import type { HostConfig, Inventory, VmLedgerRequests, VmSpec, VmSpecInput } from '../domain';
import type { BootCompleteEvent, MigrationProgressEvent, ProvisionVmResult } from '../workflows/types';

/** Each of the ledger's requests, for one fleet. */
export type LedgerPort = {
  [K in keyof VmLedgerRequests]: (fleet: string, input: VmLedgerRequests[K][0]) => Promise<VmLedgerRequests[K][1]>;
};

/** An activity's input for a ledger request: the request, plus the fleet it goes to. */
export type LedgerRequest<K extends keyof VmLedgerRequests> = FleetRef & VmLedgerRequests[K][0];

export interface InventoryPort {
  /** The current inventory of a fleet (re-read when its file changes). */
  load(fleet: string): Promise<Inventory>;
  host(fleet: string, name: string): Promise<HostConfig>;
}

export interface BootCallback {
  /** The secret the guest presents when it phones home: good for this run of this VM's provisioning, and one boot. */
  token(claims: { workflowId: string; runId: string; nonce: string }): string;
  /** The URL the guest posts to when its boot is complete. */
  url(workflowId: string): string;
}

export type WorkflowOutcome =
  | { status: 'completed'; result: ProvisionVmResult }
  | { status: 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'not_found'; error?: string };

/**
 * What became of a boot-complete report: accepted; refused by the workflow (not booting, not defined yet, already
 * reported, or a nonce of another boot); or no running provisionVm (run) of that id.
 */
export type BootReportOutcome = 'accepted' | 'refused' | 'not_found' | 'closed';

export interface WorkflowPort {
  signalMigrationProgress(workflowId: string, event: MigrationProgressEvent): Promise<void>;
  /**
   * The bootComplete update, as the gateway sends it: only to a running provisionVm (the given run, when a token named
   * one), whose validator decides; a refusal leaves nothing in its history.
   */
  reportBootComplete(workflowId: string, event: BootCompleteEvent, runId?: string): Promise<BootReportOutcome>;
  /** Tells a VM workflow waiting in the boot queue that it was admitted; 'gone' if it no longer runs. */
  grantBootSlot(workflowId: string, grant: { reservationId: string; host: string }): Promise<'delivered' | 'gone'>;
  /** Cancels the workflow when asked and it is still running, then waits for it to close. */
  awaitOutcome(workflowId: string, options: { cancel: boolean; onWait?: () => void }): Promise<WorkflowOutcome>;
}

export interface FleetRef {
  fleet: string;
}

export interface DefineAndStartVmInput extends FleetRef {
  vmId: string;
  workflowId: string;
  /** The workflow's random nonce for this boot, bound into the guest's token. */
  bootNonce: string;
  /** The provisioning workflow's first run id, kept in the domain's metadata: which provisioning a domain is. */
  firstRunId?: string;
  domainName: string;
  uuid: string;
  host: string;
  spec: VmSpec;
}

/** A VM spec as the worker judges it against its fleet (imageDirs, base images, sizes), before anything is reserved. */
export interface CheckVmInput {
  spec: VmSpecInput;
}

export interface CheckVmResult {
  /** The cloud image's base, as it will be used: its pool volume and virtual size. */
  base?: { volume: string; capacityBytes: number };
}

export interface DetachSeedInput extends FleetRef {
  host: string;
  domainName: string;
}

export interface AwaitGuestAgentInput extends FleetRef {
  host: string;
  domainName: string;
  workflowId: string;
}

export interface MigrateVmInput extends FleetRef {
  workflowId: string;
  domainName: string;
  from: string;
  to: string;
  attempt: number;
}

export interface DestroyVmInput extends FleetRef {
  host: string;
  domainName: string;
  /** Only a domain whose metadata names this VM is destroyed (and only then its volumes deleted). */
  vmId: string;
  /**
   * The provisioning whose domain this is (its workflow's first run id): a domain of a later provisioning of the same
   * VM, under the same name, is left alone with its volumes. Omitted (a decommission): any provisioning of this VM.
   */
  firstRunId?: string;
}

export interface DestroyVmResult {
  existed: boolean;
  /** The host holds the VM's domain of a later provisioning instead: left alone, with its volumes. */
  anotherRun?: true;
  /** The VM's volumes deleted on that host. */
  volumes: string[];
}

export interface LocateVmInput extends FleetRef {
  domainName: string;
  /** Hosts to look on; omitted means every host of the fleet's inventory. */
  hosts?: string[];
}

export interface LocateVmResult {
  found: Array<{ host: string; state: string; reason?: string }>;
  /** The VM's own volumes (disk, seed), wherever they are, with or without a domain beside them. */
  volumes: Array<{ host: string; name: string }>;
  /** Hosts that could not be asked (daemon down, network cut): the VM may or may not be there. */
  unreachable: string[];
}
