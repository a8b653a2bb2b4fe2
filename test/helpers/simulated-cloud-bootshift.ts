// Like simulated-bootshift.ts (bootshift's real worker on a real dev server, the simulated hypervisor underneath), for
// cloud images: the inventory's imageDirs and storage pool are the test's own, the hosts say whether their storage is
// local or shared, and every hypervisor call the worker makes is recorded in order (op, arguments, host).
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { SimulatedHypervisor } from '../../activities/simulated-hypervisor';
import { parseInventory, type Inventory, type VmSpecInput } from '../../domain';
import { createSimulatedFleet } from '../../worker/simulated-guests';
import type { PostgresLedger } from '../../ledger/postgres-ledger';
import { createBootReporter } from '../../worker/workflow-port';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../workflows/types';
import { recording, type RecordedCall } from './images';
import { vmMetadata } from './vm-input';
import { createSimulatedWorker } from './simulated-bootshift';
import { uniqueId, type BootshiftTestEnv } from './temporal-env';

export interface CloudSimHost {
  name: string;
  pool: 'boot' | 'settle';
  cpus: number;
  storage?: 'local' | 'shared';
}

export interface SimulatedCloudBootshift {
  fleet: string;
  taskQueue: string;
  inventory: Inventory;
  /** The simulated hypervisor itself (knobs, snapshot); the worker calls it through a recorder. */
  hypervisor: SimulatedHypervisor;
  /** Every call the worker made on the hypervisor, in order. */
  calls: RecordedCall[];
  worker: Worker;
  ledger: PostgresLedger;
  /** A cloud VM request for this fleet from the base image file `volume`; override what the test cares about. */
  vmInput(name: string, volume: string, spec?: Partial<VmSpecInput>): ProvisionVmInput;
  start(input: ProvisionVmInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof provisionVm>>;
}

export async function startSimulatedCloudBootshift(
  env: BootshiftTestEnv,
  opts: { hosts: CloudSimHost[]; imageDirs: string[]; bootMs?: number; migrateMs?: number },
): Promise<SimulatedCloudBootshift> {
  const fleet = uniqueId('fleet');
  const taskQueue = uniqueId('bootshift-cloud');
  const inventory = parseInventory({
    fleet,
    imageDirs: opts.imageDirs,
    storagePool: { name: 'bootshift', path: `/var/lib/bootshift-sim/${fleet}` },
    hosts: opts.hosts.map((h) => ({ ...h, uri: `test:///sim/${fleet}/${h.name}`, memoryMiB: 65536 })),
  });
  const hypervisor = createSimulatedFleet(
    { hosts: inventory.hosts, bootDurationMs: opts.bootMs ?? 200, migrationDurationMs: opts.migrateMs ?? 300, progressIntervalMs: 100 },
    createBootReporter(env.client),
  );
  const recorded = recording(hypervisor);
  const { worker, ledger } = await createSimulatedWorker(env, { taskQueue, inventory, hypervisor: recorded.hypervisor });
  return {
    fleet,
    taskQueue,
    inventory,
    hypervisor,
    calls: recorded.calls,
    worker,
    ledger,
    vmInput: (name, volume, spec = {}) => ({
      vmId: `vm/test/${fleet}/${name}`,
      spec: { name, vcpus: 1, memoryMiB: 128, image: { kind: 'cloud', volume, diskGiB: 4 }, fleet, bootTimeoutSeconds: 60, ...spec } as ProvisionVmInput['spec'],
    }),
    start: (input) => env.client.workflow.start(provisionVm, { taskQueue, workflowId: input.vmId, args: [input], ...vmMetadata('provision', input) }),
  };
}
