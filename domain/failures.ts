// Failure type names shared by workflows (ApplicationFailure.nonRetryable(msg, type)), activities and the Pulumi
// provider, so that a retry policy's nonRetryableErrorTypes and a caller's `failure.type` checks agree. One case, one
// type: a caller that branches on a type must never have to read the message to know what happened.
export const Failure = {
  // How a provisioning ends when it does not settle.
  BootTimeout: 'BootTimeout',
  NoBootCapacity: 'NoBootCapacity',
  ProvisioningFailed: 'ProvisioningFailed',
  PhaseUnreachable: 'PhaseUnreachable',
  Cancelled: 'Cancelled',
  // Input that can never work, whoever retries it.
  InvalidVmSpec: 'InvalidVmSpec',
  InvalidLedgerInput: 'InvalidLedgerInput',
  /** A domain spec the hypervisor adapters refuse before anything runs (a bug upstream, or a hostile value). */
  InvalidDomainSpec: 'InvalidDomainSpec',
  /** A host reference the adapters refuse: a malformed URI or address, or one libvirt cannot parse. */
  InvalidHost: 'InvalidHost',
  // The fleet as the inventory describes it.
  UnknownFleet: 'UnknownFleet',
  /** A host name the inventory does not list. */
  UnknownHost: 'UnknownHost',
  /** A host that stayed unreachable for as long as a workflow was willing to wait. */
  HostUnreachable: 'HostUnreachable',
  /** Transient: a host or its daemon did not answer as it should; retried. */
  HypervisorUnavailable: 'HypervisorUnavailable',
  // Domains.
  DomainNotFound: 'DomainNotFound',
  /** Another domain (another uuid) already has the name. */
  DomainConflict: 'DomainConflict',
  /** libvirt refused the definition (schema, configuration, a storage file it cannot open). */
  DomainRejected: 'DomainRejected',
  MigrationFailed: 'MigrationFailed',
  // Storage.
  /** A volume of that name already exists where one was to be created. */
  VolumeConflict: 'VolumeConflict',
  /** A program the worker needs on its own machine is not installed. */
  ToolMissing: 'ToolMissing',
} as const;

export type FailureType = (typeof Failure)[keyof typeof Failure];
