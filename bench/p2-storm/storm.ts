// The boot storm: every VM requested at once through provisionVm, against one in-process bootshift worker (real
// workflows, activities, ledger and boot signaller) over the simulated hypervisor, timed from the first start call
// to the last result, with the ledger and the fleet watched throughout.
import { randomUUID } from 'node:crypto';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { LedgerDb } from '../../ledger/database';
import { createBootshiftWorker } from '../../worker/create-worker';
import { createBootReporter } from '../../worker/workflow-port';
import { createSimulatedFleet } from '../../worker/simulated-guests';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../workflows/types';
import { percentile } from '../stats';
import type { BenchTemporal } from '../temporal-env';
import { finalPlacementProblems, fleetViolations } from './policy-checks';
import { stormBreakdown, type StormBreakdown } from './storm-breakdown';
import { inventoryPort, STORM_IMAGE, stormInventory, VM_SHAPE, type StormShape } from './storm-fleet';
import { watchStorm, type WatchFigures } from './storm-watch';
import { STORM_TUNING } from './tuning';

export interface StormFigures {
  vms: number;
  startCallsSeconds: number;
  allSettledSeconds: number;
  vmsPerSecond: number;
  settled: number;
  requestToSettledP50Ms: number;
  requestToSettledP95Ms: number;
  queuedP95Ms: number;
  watch: WatchFigures;
  signalErrors: number;
  finalProblems: string[];
  breakdown: StormBreakdown;
}

export async function runStorm(t: BenchTemporal, ledgerDb: LedgerDb, workflowBundle: WorkflowBundleWithSourceMap, shape: StormShape): Promise<StormFigures> {
  const id = randomUUID().slice(0, 8);
  const inventory = stormInventory(`storm-${id}`, shape);
  let signalErrors = 0;
  const fleet = createSimulatedFleet(
    { hosts: inventory.hosts, bootDurationMs: shape.bootMs, migrationDurationMs: shape.migrateMs },
    createBootReporter(t.client),
    () => (signalErrors += 1),
  );
  const taskQueue = `bootshift-${id}`;
  const { worker, ledger } = await createBootshiftWorker({
    connection: t.native,
    client: t.client,
    namespace: t.server.namespace,
    taskQueue,
    hypervisor: fleet,
    inventory: inventoryPort(inventory),
    bootCallback: { token: () => 'simulated', url: () => 'http://10.0.2.2:9/v1/phone-home/simulated' },
    workflowBundle,
    tuning: STORM_TUNING,
    ledgerDb,
  });
  const input = (i: number): ProvisionVmInput => ({
    vmId: `vm/bench/${inventory.fleet}/vm-${i}`,
    spec: { name: `vm-${i}`, ...VM_SHAPE, image: STORM_IMAGE, fleet: inventory.fleet, bootTimeoutSeconds: 600, waitFor: 'settled' },
  });
  return worker.runUntil(async () => {
    // A fleet's ledger runs long before any storm: start it outside the timed part.
    await ledger.release(inventory.fleet, { reservationId: 'bench-warm-up' });
    const watch = watchStorm(ledger, inventory, fleet, 250);
    const start = performance.now();
    const handles = await Promise.all(
      Array.from({ length: shape.vms }, (_, i) => t.client.workflow.start(provisionVm, { taskQueue, workflowId: input(i).vmId, args: [input(i)] })),
    );
    const startCallsSeconds = (performance.now() - start) / 1000;
    const results = await Promise.all(handles.map((h) => h.result()));
    const allSettledSeconds = (performance.now() - start) / 1000;
    const watched = await watch.stop();
    const end = fleet.snapshot();
    const totals = results.map((r) => r.totalMs);
    return {
      vms: shape.vms,
      startCallsSeconds: Number(startCallsSeconds.toFixed(2)),
      allSettledSeconds: Number(allSettledSeconds.toFixed(2)),
      vmsPerSecond: Number((shape.vms / allSettledSeconds).toFixed(1)),
      settled: results.filter((r) => r.settled).length,
      requestToSettledP50Ms: percentile(totals, 0.5),
      requestToSettledP95Ms: percentile(totals, 0.95),
      queuedP95Ms: percentile(results.map((r) => r.queuedMs), 0.95),
      watch: watched,
      signalErrors,
      finalProblems: [...finalPlacementProblems(end, inventory, shape.vms), ...fleetViolations(end, inventory)],
      breakdown: await stormBreakdown(t.client, handles, results, inventory.fleet),
    };
  });
}
