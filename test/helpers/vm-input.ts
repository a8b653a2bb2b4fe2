// The VM request the end-to-end and fault tests start provisionVm with: one small VM of a fleet, booting the lab
// guest or (for the simulated hypervisor, which boots nothing) placeholder kernel paths.
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
