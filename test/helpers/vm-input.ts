// The VM request the end-to-end and fault tests start provisionVm with: one small VM of a fleet, booting the lab
// guest or (for the simulated hypervisor, which boots nothing) placeholder kernel paths; and the user metadata (the
// Temporal UI's summary and details) a caller starts a VM's workflows with, as the Pulumi provider does.
import { vmSpecSchema, vmWorkflowMetadata, type VmWorkflowKind } from '../../domain';
import type { ProvisionVmInput } from '../../workflows/types';

export const SIMULATED_IMAGE = { kind: 'kernel', kernel: '/sim/vmlinuz', initrd: '/sim/initrd' } as const;

export function vmInput(
  vmId: string,
  fleet: string,
  image: { kernel: string; initrd: string } = SIMULATED_IMAGE,
  bootTimeoutSeconds = 600,
): ProvisionVmInput {
  const name = vmId.split('/').pop()!;
  return {
    vmId,
    spec: { name, vcpus: 1, memoryMiB: 128, image: { kind: 'kernel', kernel: image.kernel, initrd: image.initrd }, bootTimeoutSeconds, waitFor: 'settled', fleet },
  };
}

/** The start options' summary and details for one of the VM's workflows; none for a spec that is invalid on purpose. */
export function vmMetadata(kind: VmWorkflowKind, input: ProvisionVmInput): Partial<ReturnType<typeof vmWorkflowMetadata>> {
  const spec = vmSpecSchema.safeParse(input.spec);
  return spec.success ? vmWorkflowMetadata(kind, input.vmId, spec.data) : {};
}
