// The boot storm: every VM requested at once through provisionVm, against one in-process bootshift worker (real
// workflows, activities, PostgreSQL ledger and boot reporter) over the simulated hypervisor, timed from the first start
// call to the last result, with the ledger and the fleet watched throughout.
import { randomUUID } from 'node:crypto';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { LedgerDb } from '../../ledger/database';
import { createBootshiftWorker } from '../../worker/create-worker';
import type { BootReportOutcome } from '../../activities/ports';
import { createBootReporter } from '../../worker/workflow-port';
import { createSimulatedFleet } from '../../worker/simulated-guests';
import { provisionVm } from '../../workflows/provision-vm';
import type { BootCompleteEvent, ProvisionVmInput } from '../../workflows/types';
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
  /**
   * Request → settled as the client sees it: from the first start call to each VM's result. (A result's own totalMs
   * starts at the workflow's first task, which a storm delays.)
   */
  requestToSettledP50Ms: number;
  requestToSettledP95Ms: number;
  queuedP95Ms: number;
  watch: WatchFigures;
  signalErrors: number;
  /** boot reports the workflow refused and the guest sent again (see reportLikeAGuest) */
  refusedBootReports: number;
  finalProblems: string[];
  breakdown: StormBreakdown;
}

type ReportBoot = (workflowId: string, event: BootCompleteEvent) => Promise<BootReportOutcome>;

/**
 * A simulated guest reports its boot as real guests do: the lab's guest (devenv/guest/init) and cloud-init's
 * phone_home (tries: 30) post again a second later when the gateway refuses the report. The workflow refuses one
 * that arrives before it has taken in that the domain is defined, which under a storm's load can take longer than the
 * simulated boot; a guest that gave up would leave its VM waiting for the boot timeout.
 */
function reportLikeAGuest(report: ReportBoot, onRefused: () => void): ReportBoot {
  return async (workflowId, event) => {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await report(workflowId, event);
      if (outcome !== 'refused' || attempt >= 30) return outcome;
      onRefused();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
}

export async function runStorm(t: BenchTemporal, ledgerDb: LedgerDb, workflowBundle: WorkflowBundleWithSourceMap, shape: StormShape): Promise<StormFigures> {
  const id = randomUUID().slice(0, 8);
  const inventory = stormInventory(`storm-${id}`, shape);
  let signalErrors = 0;
  let refusedBootReports = 0;
  const fleet = createSimulatedFleet(
    { hosts: inventory.hosts, bootDurationMs: shape.bootMs, migrationDurationMs: shape.migrateMs },
    reportLikeAGuest(createBootReporter(t.client), () => (refusedBootReports += 1)),
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
    // A fleet is in the ledger long before any storm: its hosts' rows are written outside the timed part.
    await ledger.release(inventory.fleet, { reservationId: 'bench-warm-up' });
    const watch = watchStorm(ledger, inventory, fleet, 250);
    const start = performance.now();
    const handles = await Promise.all(
      Array.from({ length: shape.vms }, (_, i) => t.client.workflow.start(provisionVm, { taskQueue, workflowId: input(i).vmId, args: [input(i)] })),
    );
    const startCallsSeconds = (performance.now() - start) / 1000;
    const settledMs: number[] = [];
    const results = await Promise.all(
      handles.map(async (h) => {
        const result = await h.result();
        settledMs.push(performance.now() - start);
        return result;
      }),
    );
    const allSettledSeconds = (performance.now() - start) / 1000;
    const watched = await watch.stop();
    const end = fleet.snapshot();
    return {
      vms: shape.vms,
      startCallsSeconds: Number(startCallsSeconds.toFixed(2)),
      allSettledSeconds: Number(allSettledSeconds.toFixed(2)),
      vmsPerSecond: Number((shape.vms / allSettledSeconds).toFixed(1)),
      settled: results.filter((r) => r.settled).length,
      requestToSettledP50Ms: Math.round(percentile(settledMs, 0.5)),
      requestToSettledP95Ms: Math.round(percentile(settledMs, 0.95)),
      queuedP95Ms: percentile(results.map((r) => r.queuedMs), 0.95),
      watch: watched,
      signalErrors,
      refusedBootReports,
      finalProblems: [...finalPlacementProblems(end, inventory, shape.vms), ...fleetViolations(end, inventory)],
      breakdown: await stormBreakdown(t.client, handles, results, { taskQueue, bootMs: shape.bootMs }),
    };
  });
}
