// bootshift's Pulumi package: `import { VirtualMachine } from 'bootshift'`.
export { VirtualMachine, type VirtualMachineArgs, type VmImageArgs } from './virtual-machine';
export type { ConnectionSettings } from './connection';
