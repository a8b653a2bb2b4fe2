// The public face of domain/: workflows, activities, the Pulumi provider and the CLI import from here only.
export { Failure, type FailureType } from './failures';
export {
  ValidationError,
  absolutePathSchema,
  formatIssues,
  formatPath,
  isInside,
  normalizePath,
  parseOrThrow,
  withoutUndefined,
} from './validation';
export {
  DOMAIN_NAME_PATTERN,
  ID_PATTERN,
  NAME_PATTERN,
  NameError,
  VOLUME_NAME_PATTERN,
  baseVolumeOf,
  bootReservationId,
  domainNameFor,
  idSchema,
  isVmVolume,
  nameSchema,
  overlayVolumeOf,
  ownedVolumesOf,
  projectSchema,
  reservationPurposeOf,
  seedVolumeOf,
  settleReservationId,
  vmNameOf,
  vmWorkflowId,
  volumeNameSchema,
} from './names';
export { ownershipOf, type DomainOwner, type OwnerMetadata, type Ownership } from './domain-owner';
export {
  DEFAULT_CPU_ALLOCATION_RATIO,
  InventoryError,
  inventorySchema,
  libvirtUriSchema,
  migrationAddressSchema,
  parseInventory,
  storagePoolNameSchema,
  type DomainType,
  type FleetPolicy,
  type HostConfig,
  type HostState,
  type Inventory,
  type Pool,
  type Storage,
  type StoragePool,
} from './inventory';
export { VmSpecError, cloudConfigSchema, parseVmSpec, vmSpecSchema, type VmImage, type VmSpec, type VmSpecInput } from './vm-spec';
export { formatMiB, vmWorkflowMetadata, type VmWorkflowKind } from './vm-metadata';
export {
  fits,
  pickBootHost,
  pickSettleHost,
  vcpuCapacity,
  vmCapacity,
  withinPolicy,
  type PlacementRequest,
  type SettlePlacementRequest,
} from './placement';
export type {
  ClearLeakedResult,
  CommitMoveResult,
  DrainHostResult,
  HostRecord,
  HostUsage,
  MarkLeakedResult,
  ReleaseResult,
  ReleaseVmResult,
  ReservationKind,
  ReserveBootResult,
  ReserveSettleResult,
  ResyncResult,
} from './ledger/results';
export * from './ledger/inputs';
export type { HostSnapshot, LeakedReservation, LedgerSnapshot, QueuedBoot } from './ledger/snapshot';
export { METRICS, type LabelsOf, type MetricDefinition } from './metrics';
