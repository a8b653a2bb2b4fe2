// The public face of domain/: workflows, activities, the Pulumi provider and the CLI import from here only.
export { Failure, type FailureType } from './failures';
export { ValidationError, formatPath } from './issues';
export { NameError, ID_PATTERN, NAME_PATTERN, idSchema, ledgerWorkflowId, nameSchema, projectSchema, vmWorkflowId } from './names';
export {
  DEFAULT_CPU_ALLOCATION_RATIO,
  libvirtUriSchema,
  migrationAddressSchema,
  type DomainType,
  type HostState,
  type Pool,
} from './inventory-fields';
export { InventoryError, inventorySchema, parseInventory, type FleetPolicy, type HostConfig, type Inventory } from './inventory';
export { VmSpecError, parseVmSpec, vmSpecSchema, type VmImage, type VmSpec, type VmSpecInput } from './vm-spec';
export { pickBootHost, pickSettleHost, type PlacementRequest, type SettleRequest } from './placement';
export { fits, vcpuCapacity, vmCapacity, withinPolicy } from './usage';
export * from './ledger-types';
export * from './ledger-inputs';
export { commitMove, createLedger, release, releaseVm, reserveBoot, reserveSettle } from './ledger';
export { bootReservationId, domainNameFor, settleReservationId, vmNameOf } from './vm-ids';
export { pruneApplied } from './ledger-prune';
export { admitQueued, drainHost, resyncInventory } from './ledger-fleet';
export { findHost } from './records';
export { snapshot, type HostSnapshot, type LedgerSnapshot, type QueuedBoot } from './snapshot';
