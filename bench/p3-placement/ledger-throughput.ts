// Reservations per second through the real ledger: reserveBoot updates sent through createTemporalLedger (the
// worker's own LedgerPort) to one fleetLedger workflow on a dev server, with room for all of them, timed from the
// first call to the last reply. `concurrency` callers each send one request after another. The server admits at
// most 10 in-flight updates per workflow (history.maxInFlightUpdates) and answers the rest RESOURCE_EXHAUSTED; the
// adapter keeps its own updates below that, and `unlimited` lifts its cap to show the cliff the cap avoids. The
// ledger is started before the clock, as a fleet's ledger is long-running.
import { randomUUID } from 'node:crypto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { parseInventory } from '../../domain';
import { createTemporalLedger, DEFAULT_MAX_IN_FLIGHT_UPDATES } from './workflow-ledger/temporal-ledger';
import type { BenchTemporal } from '../temporal-env';

export interface LedgerThroughput {
  concurrency: number;
  /** the adapter's cap on its in-flight updates (null: none) */
  inFlightCap: number | null;
  reservations: number;
  reserved: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

function inventory(fleet: string, slots: number) {
  const hosts = Math.ceil(slots / 64);
  return parseInventory({
    fleet,
    hosts: Array.from({ length: hosts }, (_, i) => ({ name: `boot-${i + 1}`, uri: `test:///simulated/${fleet}/boot-${i + 1}`, cpus: 64, memoryMiB: 262144, pool: 'boot' })),
  });
}

export async function measureLedgerThroughput(
  t: BenchTemporal,
  workflowBundle: WorkflowBundleWithSourceMap,
  count: number,
  concurrency: number,
  unlimited = false,
): Promise<LedgerThroughput> {
  const fleet = `ledger-${randomUUID().slice(0, 8)}`;
  const taskQueue = `${fleet}-q`;
  const worker = await Worker.create({ connection: t.native, namespace: t.server.namespace, taskQueue, workflowBundle });
  const inFlightCap = unlimited ? null : DEFAULT_MAX_IN_FLIGHT_UPDATES;
  const ledger = createTemporalLedger({
    client: t.client,
    taskQueue,
    loadInventory: async () => inventory(fleet, count),
    maxInFlightUpdates: inFlightCap ?? Infinity,
  });
  return worker.runUntil(async () => {
    await ledger.release(fleet, { reservationId: 'bench-warm-up' });
    let next = 0;
    let reserved = 0;
    let failed = 0;
    const caller = async () => {
      for (let i = next++; i < count; i = next++) {
        const request = { reservationId: `r-${i}`, vmId: `vm-${i}`, workflowId: `vm-${i}`, vcpus: 1, memoryMiB: 128 };
        const reply = await ledger.reserveBoot(fleet, request).catch(() => undefined);
        if (reply?.status === 'reserved') reserved += 1;
        else failed += 1;
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: concurrency }, caller));
    const seconds = (performance.now() - start) / 1000;
    return { concurrency, inFlightCap, reservations: count, reserved, failed, seconds: Number(seconds.toFixed(2)), perSecond: Number((reserved / seconds).toFixed(1)) };
  });
}
