// Failure type names shared by workflows (ApplicationFailure.nonRetryable(msg, type)), activities and the
// Pulumi provider, so that a retry policy's nonRetryableErrorTypes and a caller's `failure.type` checks agree.
export const Failure = {
  BootTimeout: 'BootTimeout',
  NoBootCapacity: 'NoBootCapacity',
  InvalidVmSpec: 'InvalidVmSpec',
  InvalidLedgerInput: 'InvalidLedgerInput',
  UnknownHost: 'UnknownHost',
  InvalidDomainXml: 'InvalidDomainXml',
  MigrationFailed: 'MigrationFailed',
  DomainNotFound: 'DomainNotFound',
  Cancelled: 'Cancelled',
  ProvisioningFailed: 'ProvisioningFailed',
  PhaseUnreachable: 'PhaseUnreachable',
} as const;

export type FailureType = (typeof Failure)[keyof typeof Failure];
