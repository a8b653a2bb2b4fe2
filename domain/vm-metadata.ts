// What the Temporal UI says about a VM's workflows before they run: a one-line summary and a short markdown (Temporal's
// user metadata, `staticSummary` / `staticDetails` at start). Every caller that starts provisionVm, decommissionVm or
// checkVm (the Pulumi provider, the tests) takes them from here, so a VM is described the same way whoever started it.
// User-data and the kernel command line are never quoted: metadata is sealed like any payload, but operators read it.
import type { VmSpec } from './vm-spec';

export type VmWorkflowKind = 'provision' | 'check' | 'decommission';

/** 1024 → "1 GiB", 1536 → "1.5 GiB", 128 → "128 MiB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${mib} MiB`;
  return `${Number((mib / 1024).toFixed(1))} GiB`;
}

const sizeOf = (spec: VmSpec) => `${spec.vcpus} vCPU / ${formatMiB(spec.memoryMiB)}`;

function imageOf(image: VmSpec['image']): string {
  if (image.kind === 'kernel') return `kernel \`${image.kernel}\`, initrd \`${image.initrd}\``;
  return `cloud \`${image.volume}\`, ${image.diskGiB} GiB disk${image.userData !== undefined ? ', user-data' : ''}`;
}

// Four short lines at most: UI 2.42 shows details in a box about four lines high (at 1400 px), and cuts off the rest.
function provisionLines(spec: VmSpec): string[] {
  const bootSignal = spec.bootSignal === 'guest-agent' ? 'guest agent reports cloud-init done' : 'phone-home via the boot gateway';
  const group = spec.antiAffinityGroup !== undefined ? `, anti-affinity group \`${spec.antiAffinityGroup}\`` : '';
  return [
    `- **boot host**: undersubscribed (VMs ≤ CPUs) in fleet \`${spec.fleet}\`, else FIFO queue${group}`,
    `- **boot-complete**: ${bootSignal}, within ${spec.bootTimeoutSeconds} s`,
    '- **then**: live-migrate to the densest oversubscribed host that fits',
  ];
}

/** The start options' user metadata for one of a VM's workflows. */
export function vmWorkflowMetadata(kind: VmWorkflowKind, vmId: string, spec: VmSpec): { staticSummary: string; staticDetails: string } {
  const image = `- **image**: ${imageOf(spec.image)}`;
  switch (kind) {
    case 'provision':
      return { staticSummary: `VM ${spec.name}: ${sizeOf(spec)}, fleet ${spec.fleet}`, staticDetails: [image, ...provisionLines(spec)].join('\n') };
    case 'check':
      return {
        staticSummary: `check VM ${spec.name}: ${sizeOf(spec)}, fleet ${spec.fleet}`,
        staticDetails: [
          `- **checks**: against fleet \`${spec.fleet}\`, before anything is reserved`,
          '- **rules**: image paths in imageDirs, base image found, disk ≥ base',
          image,
        ].join('\n'),
      };
    case 'decommission':
      return {
        staticSummary: `decommission VM ${spec.name}, fleet ${spec.fleet}`,
        staticDetails: [
          `- **cancels**: \`${vmId}\` if it still runs (its saga undoes its steps)`,
          "- **destroys**: the VM's domain and its own volumes, on every host",
          `- **releases**: every reservation it holds in fleet \`${spec.fleet}\``,
          image,
        ].join('\n'),
      };
  }
}
