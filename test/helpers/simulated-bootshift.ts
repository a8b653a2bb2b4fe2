// bootshift's real worker (real workflows, real activities, real ledger in PostgreSQL) on a real dev server, with the
// simulated hypervisor underneath (named as such) so workflow tests can boot, fail and migrate VMs in seconds.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { parseInventory, type Inventory, type VmSpecInput } from '../../domain';
import type { Hypervisor } from '../../activities/hypervisor';
import type { SimulatedHypervisor } from '../../activities/simulated-hypervisor';
import type { InventoryPort } from '../../activities/ports';
import { createBootshiftWorker } from '../../worker/create-worker';
import { createBootReporter } from '../../worker/workflow-port';
import { createSimulatedFleet } from '../../worker/simulated-guests';
import type { PostgresLedger } from '../../ledger/postgres-ledger';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../workflows/types';
import { vmMetadata } from './vm-input';
import { uniqueId, workflowBundle, type BootshiftTestEnv } from './temporal-env';

export interface SimHost {
  name: string;
  pool: 'boot' | 'settle';
  cpus: number;
}

export interface SimulatedBootshift {
  fleet: string;
  taskQueue: string;
  inventory: Inventory;
  hypervisor: SimulatedHypervisor;
  worker: Worker;
  ledger: PostgresLedger;
  /** A valid VM request for this fleet; override what the test cares about. */
  vmInput(name: string, spec?: Partial<VmSpecInput>): ProvisionVmInput;
  start(input: ProvisionVmInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof provisionVm>>;
}

export async function startSimulatedBootshift(
  env: BootshiftTestEnv,
  opts: { hosts: SimHost[]; bootMs?: number; migrateMs?: number; signalBoots?: boolean },
): Promise<SimulatedBootshift> {
  const fleet = uniqueId('fleet');
  const taskQueue = uniqueId('bootshift');
  const inventory = parseInventory({
    fleet,
    imageDirs: ['/boot'],
    hosts: opts.hosts.map((h) => ({ ...h, uri: `test:///sim/${fleet}/${h.name}`, memoryMiB: 65536 })),
  });
  const signalBoot = createBootReporter(env.client);
  const hypervisor = createSimulatedFleet(
    { hosts: inventory.hosts, bootDurationMs: opts.bootMs ?? 200, migrationDurationMs: opts.migrateMs ?? 300, progressIntervalMs: 100 },
    opts.signalBoots === false ? async () => undefined : signalBoot,
  );
  const { worker, ledger } = await createSimulatedWorker(env, { taskQueue, inventory, hypervisor });
  return {
    fleet,
    taskQueue,
    inventory,
    hypervisor,
    worker,
    ledger,
    vmInput: (name, spec = {}) => ({
      vmId: `vm/test/${fleet}/${name}`,
      spec: {
        name,
        vcpus: 1,
        memoryMiB: 128,
        image: { kind: 'kernel', kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img' },
        fleet,
        bootTimeoutSeconds: 60,
        ...spec,
      } as ProvisionVmInput['spec'],
    }),
    start: (input) => env.client.workflow.start(provisionVm, { taskQueue, workflowId: input.vmId, args: [input], ...vmMetadata('provision', input) }),
  };
}


/** The fleet's inventory as the worker's InventoryPort sees it (one fleet, never re-read). */
export function inventoryPortOf(inventory: Inventory): InventoryPort {
  return {
    load: async () => inventory,
    host: async (_fleet, name) => {
      const host = inventory.hosts.find((h) => h.name === name);
      if (!host) throw new Error(`unknown host ${name}`);
      return host;
    },
  };
}

/** bootshift's real worker on the test environment's dev server and ledger, over a simulated hypervisor. */
export async function createSimulatedWorker(
  env: BootshiftTestEnv,
  opts: { taskQueue: string; inventory: Inventory; hypervisor: Hypervisor },
): Promise<{ worker: Worker; ledger: PostgresLedger }> {
  return createBootshiftWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: env.server.namespace,
    taskQueue: opts.taskQueue,
    hypervisor: opts.hypervisor,
    inventory: inventoryPortOf(opts.inventory),
    bootCallback: { token: () => 'simulated-token', url: () => 'http://10.0.2.2:9/v1/phone-home/simulated' },
    workflowBundle: await workflowBundle(require.resolve('../../workflows')),
    ledgerDb: env.ledger.db,
  });
}
