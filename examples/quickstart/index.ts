// The quickstart: three VMs, each booted on an undersubscribed host of the fleet and live-migrated to an
// oversubscribed one once its guest phones home. `pulumi up` waits until all three have settled.
import * as pulumi from '@pulumi/pulumi';
import { VirtualMachine } from 'bootshift';

const config = new pulumi.Config();
const image = { kind: 'kernel' as const, kernel: config.require('kernel'), initrd: config.require('initrd') };

const vms = ['web', 'api', 'jobs'].map(
  (name) =>
    new VirtualMachine(name, {
      vcpus: config.getNumber('vcpus') ?? 1,
      memoryMiB: config.getNumber('memoryMiB') ?? 128,
      image,
      fleet: config.get('fleet') ?? 'lab',
      bootTimeoutSeconds: config.getNumber('bootTimeoutSeconds') ?? 600,
    }),
);

export const hosts = pulumi.all(vms.map((vm) => pulumi.all([vm.domainName, vm.bootHost, vm.host]))).apply((rows) =>
  Object.fromEntries(rows.map(([domain, bootHost, host]) => [domain, { bootHost, host }])),
);
export const workflows = pulumi.all(vms.map((vm) => vm.temporalUiUrl));
