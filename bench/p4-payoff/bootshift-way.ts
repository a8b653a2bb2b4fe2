// The bootshift way: K provisionVm workflows started at once (boot on A, migrate to B once booted), and the D busy
// tenants that fill B first, placed the same way so the ledger knows B's real density. Moments come from each VM's
// status (workflow clock, the same host clock): the boot starts when the domain is defined on A, and "phoned home"
// is when the gateway's signal reached the workflow.
import type { Client } from '@temporalio/client';
import { guestImage } from '../../devenv/tools';
import { getStatusQuery } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../workflows/types';
import type { GuestTiming } from './guest-timing';

export interface BootshiftTarget {
  client: Client;
  taskQueue: string;
  fleet: string;
}

function input(target: BootshiftTarget, name: string, burn: boolean): ProvisionVmInput {
  const { kernel, initrd } = guestImage();
  return {
    vmId: `vm/bench/p4/${name}`,
    spec: {
      name,
      vcpus: 1,
      memoryMiB: 128,
      image: { kind: 'kernel', kernel, initrd, ...(burn && { cmdline: 'bootshift.burn=1' }) },
      bootTimeoutSeconds: 1200,
      waitFor: 'settled',
      fleet: target.fleet,
    },
  };
}

export async function provisionAll(target: BootshiftTarget, names: string[], burn = false): Promise<GuestTiming[]> {
  return Promise.all(
    names.map(async (name) => {
      const vm = input(target, name, burn);
      const requestedAt = Date.now();
      const handle = await target.client.workflow.start(provisionVm, { taskQueue: target.taskQueue, workflowId: vm.vmId, args: [vm] });
      const result = await handle.result();
      if (!result.settled) throw new Error(`${name} did not settle: ${result.note}`);
      const { timings } = await handle.query(getStatusQuery);
      if (!timings.bootStartedAt || !timings.bootedAt || !timings.settledAt) throw new Error(`${name}: status lacks timings`);
      return { name, requestedAt, bootStartedAt: timings.bootStartedAt, phonedHomeAt: timings.bootedAt, settledAt: timings.settledAt };
    }),
  );
}
