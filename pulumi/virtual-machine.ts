// The VirtualMachine resource users declare in their Pulumi programs. Three types in the dynamic-provider style: the
// args (each a pulumi.Input), the resolved inputs the provider receives (provider-inputs.ts), and the outputs below.
import * as pulumi from '@pulumi/pulumi';
import { connectionSettings } from './connection';
import { virtualMachineProvider } from './provider';

export type VmImageArgs =
  | { kind: 'kernel'; kernel: string; initrd: string; cmdline?: string }
  | { kind: 'disk'; disk: string; format?: 'qcow2' | 'raw'; userData?: string };

export interface VirtualMachineArgs {
  vcpus: pulumi.Input<number>;
  memoryMiB: pulumi.Input<number>;
  image: pulumi.Input<VmImageArgs>;
  /** Seconds the guest has to phone home before it is destroyed (default 300). */
  bootTimeoutSeconds?: pulumi.Input<number>;
  /** Finish `pulumi up` when the VM has `settled` on a dense host (default) or as soon as it has `booted`. */
  waitFor?: pulumi.Input<'settled' | 'booted'>;
  fleet?: pulumi.Input<string>;
  antiAffinityGroup?: pulumi.Input<string>;
  /** The VM's name in bootshift and libvirt; defaults to the resource name. */
  vmName?: string;
}

export class VirtualMachine extends pulumi.dynamic.Resource {
  declare readonly workflowId: pulumi.Output<string>;
  declare readonly runId: pulumi.Output<string>;
  declare readonly temporalUiUrl: pulumi.Output<string | null>;
  declare readonly domainName: pulumi.Output<string>;
  declare readonly phase: pulumi.Output<string>;
  /** Where the VM runs now. */
  declare readonly host: pulumi.Output<string>;
  declare readonly bootHost: pulumi.Output<string>;
  declare readonly settleHost: pulumi.Output<string | null>;
  declare readonly settled: pulumi.Output<boolean>;
  declare readonly bootMs: pulumi.Output<number>;
  declare readonly migrateMs: pulumi.Output<number | null>;

  constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const { vmName, ...spec } = args;
    super(
      virtualMachineProvider,
      name,
      {
        ...spec,
        name: vmName ?? name,
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        connection: connectionSettings(),
        ...Object.fromEntries(OUTPUTS.map((k) => [k, undefined])),
      },
      opts,
      'bootshift',
      'VirtualMachine',
    );
  }
}

const OUTPUTS = ['workflowId', 'runId', 'temporalUiUrl', 'domainName', 'phase', 'host', 'bootHost', 'settleHost', 'settled', 'bootMs', 'migrateMs'] as const;
