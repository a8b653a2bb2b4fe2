// The workflows the bootshift worker registers (the bundler starts here).
export { provisionVm } from './provision-vm';
export { decommissionVm } from './decommission-vm';
export { checkVm } from './check-vm';
export { reclaimLeaked } from './reclaim-leaked';
