// Builds a bootshift Worker from its parts. The process entry (worker/main.ts), the workflow tests and the benchmarks
// all call this, so they run the same workflows and activities and differ only in the hypervisor and the config.
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import type { Hypervisor } from '../activities/hypervisor';
import type { BootCallback, InventoryPort } from '../activities/ports';
import type { LedgerDb } from '../ledger/database';
import { createPostgresLedger, type PostgresLedger } from '../ledger/postgres-ledger';
import { workflowCode } from './workflow-bundle';
import { createWorkflowPort } from './workflow-port';

export interface BootshiftWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  hypervisor: Hypervisor;
  inventory: InventoryPort;
  bootCallback: BootCallback;
  consoleDir?: string;
  /** The ledger's database, migrated (ledger/migrations.ts). */
  ledgerDb: LedgerDb;
  /** Told of a grant whose signal failed (the sweep delivers it later). */
  onGrantError?: (err: unknown) => void;
  /** Runs before each grant is signalled (fault injection: see BOOTSHIFT_FAILPOINT). */
  beforeGrant?: () => void;
  /** Seals every payload (payload-codec.ts); the client passed in must use the same. */
  dataConverter?: WorkerOptions['dataConverter'];
  /** A prebuilt bundle (tests and benchmarks build it once); default: the build's bundle, if current (workflow-bundle.ts). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>;
}

export interface BootshiftWorker {
  worker: Worker;
  ledger: PostgresLedger;
}

export async function createBootshiftWorker(opts: BootshiftWorkerOptions): Promise<BootshiftWorker> {
  const workflows = createWorkflowPort(opts.client);
  const ledger = createPostgresLedger({
    db: opts.ledgerDb,
    grantsInBackground: true,
    loadInventory: (fleet) => opts.inventory.load(fleet),
    grants: {
      deliver: (workflowId, grant) => {
        opts.beforeGrant?.();
        return workflows.grantBootSlot(workflowId, grant);
      },
      ...(opts.onGrantError && { onError: (_grant, err) => opts.onGrantError!(err) }),
    },
  });
  const activities = createActivities({
    hypervisor: opts.hypervisor,
    inventory: opts.inventory,
    bootCallback: opts.bootCallback,
    workflows,
    ledger,
    ...(opts.consoleDir && { consoleDir: opts.consoleDir }),
  });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities,
    ...(opts.dataConverter && { dataConverter: opts.dataConverter }),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : workflowCode()),
    ...opts.tuning,
  });
  return { worker, ledger };
}
