// bootshift's Pulumi package: `import { VirtualMachine } from 'bootshift'`.
export { VirtualMachine, type VirtualMachineArgs, type VirtualMachineOutputs, type VmImageArgs } from './virtual-machine';
export type { VmOutputs } from './vm-props';
export type { ConnectionSettings } from './connection';
