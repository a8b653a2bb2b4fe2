// Two VMs from one Debian cloud image. Each gets a disk of its own over the shared base and is configured by real
// cloud-init from the user-data below; bootshift adds the phone_home that tells it the boot is complete, then moves the
// VM, disk included, to a dense host that shares no storage with the one it booted on.
import * as pulumi from '@pulumi/pulumi';
import { VirtualMachine } from 'bootshift';

const config = new pulumi.Config();

const userData = (role: string) =>
  config.get('userData') ||
  `#cloud-config
write_files:
  - path: /etc/motd
    content: "bootshift ${role}: booted where there was room, running where it is dense\\n"
runcmd:
  - [ sh, -c, "echo ${role} > /var/lib/bootshift-role" ]
`;

const vms = ['web', 'db'].map(
  (role) =>
    new VirtualMachine(role, {
      vcpus: 1,
      memoryMiB: config.getNumber('memoryMiB') ?? 512,
      image: {
        kind: 'cloud',
        volume: config.get('baseImage') ?? 'debian-12-cloud.qcow2',
        diskGiB: config.getNumber('diskGiB') ?? 4,
        userData: userData(role),
      },
      fleet: config.get('fleet') ?? 'lab',
      bootTimeoutSeconds: config.getNumber('bootTimeoutSeconds') ?? 600,
    }),
);

export const hosts = pulumi.all(vms.map((vm) => pulumi.all([vm.domainName, vm.bootHost, vm.host]))).apply((rows) =>
  Object.fromEntries(rows.map(([domain, bootHost, host]) => [domain, { bootHost, host }])),
);
export const workflows = pulumi.all(vms.map((vm) => vm.workflowId));
