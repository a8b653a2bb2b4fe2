// Failure type names shared by workflows (ApplicationFailure.nonRetryable(msg, type)), activities and the
// Pulumi provider, so that a retry policy's nonRetryableErrorTypes and a caller's `failure.type` checks agree.
export const Failure = {
  BootTimeout: 'BootTimeout',
  NoBootCapacity: 'NoBootCapacity',
  NoSettleCapacity: 'NoSettleCapacity',
  InvalidVmSpec: 'InvalidVmSpec',
  InvalidInventory: 'InvalidInventory',
  InvalidLedgerInput: 'InvalidLedgerInput',
  UnknownHost: 'UnknownHost',
  InvalidDomainXml: 'InvalidDomainXml',
  MigrationFailed: 'MigrationFailed',
  DomainNotFound: 'DomainNotFound',
  Cancelled: 'Cancelled',
} as const;

export type FailureType = (typeof Failure)[keyof typeof Failure];
