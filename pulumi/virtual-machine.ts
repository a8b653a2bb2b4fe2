// The VirtualMachine resource users declare in their Pulumi programs. Three types in the dynamic-provider style: the
// args (each a pulumi.Input), the resolved inputs the provider receives and the outputs (both in vm-props.ts, which the
// class's output properties are derived from).
import * as pulumi from '@pulumi/pulumi';
import { connectionSettings } from './connection';
import { virtualMachineProvider } from './provider';
import type { VmSpecInput } from '../domain';
import { OUTPUT_KEYS, type VmOutputs } from './vm-props';

/**
 * `{ kind: 'cloud', volume, diskGiB, userData? }`: a base image (a file of that name in the fleet's imageDirs, or a
 * volume of that name in the hosts' pools) under a disk of the VM's own, configured by cloud-init; or
 * `{ kind: 'kernel', kernel, initrd, cmdline? }`: files inside the imageDirs, booted directly.
 */
export type VmImageArgs = VmSpecInput['image'];

export interface VirtualMachineArgs {
  vcpus: pulumi.Input<number>;
  memoryMiB: pulumi.Input<number>;
  image: pulumi.Input<VmImageArgs>;
  /** Seconds the guest has to say its boot is complete before it is destroyed (default 300). */
  bootTimeoutSeconds?: pulumi.Input<number>;
  /** Finish `pulumi up` when the VM has `settled` on a dense host (default) or as soon as it has `booted`. */
  waitFor?: pulumi.Input<NonNullable<VmSpecInput['waitFor']>>;
  /**
   * `phone-home` (default): cloud-init posts to bootshift's boot gateway; `guest-agent`: for guests that cannot reach
   * the gateway, the worker asks the QEMU guest agent until cloud-init reports done (cloud images only).
   */
  bootSignal?: pulumi.Input<NonNullable<VmSpecInput['bootSignal']>>;
  /** Default: stack config `bootshift:fleet`, else `BOOTSHIFT_FLEET`, else "default". */
  fleet?: pulumi.Input<string>;
  antiAffinityGroup?: pulumi.Input<string>;
  /** The VM's name in bootshift and libvirt; defaults to the resource name. */
  vmName?: string;
}

/** One pulumi.Output per VmOutputs field, with its type: `vm.host` is a pulumi.Output<string | null>. */
export type VirtualMachineOutputs = { readonly [K in keyof VmOutputs]: pulumi.Output<VmOutputs[K]> };

// The class gets its output properties from VmOutputs by declaration merging, so they are never listed twice; the
// provider sets them (every OUTPUT_KEYS entry is passed as an output property below).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface VirtualMachine extends VirtualMachineOutputs {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class VirtualMachine extends pulumi.dynamic.Resource {
  constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
    const { vmName, ...spec } = args;
    super(
      virtualMachineProvider,
      name,
      {
        ...spec,
        ...(spec.fleet === undefined && defaultFleet() !== undefined && { fleet: defaultFleet() }),
        name: vmName ?? name,
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        connection: connectionSettings(),
        ...Object.fromEntries(OUTPUT_KEYS.map((k) => [k, undefined])),
      },
      opts,
      'bootshift',
      'VirtualMachine',
    );
  }
}

/** The fleet a VirtualMachine that names none goes to: the stack's, or the environment's (`bootshift dev env` sets it). */
function defaultFleet(): string | undefined {
  return new pulumi.Config('bootshift').get('fleet') ?? process.env.BOOTSHIFT_FLEET;
}
