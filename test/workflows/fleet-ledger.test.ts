// The fleet ledger on a real dev server: 200 concurrent boot reservations against room for 9 VMs. No host may ever
// exceed its policy, the excess must queue and be served in FIFO order as slots are released, nothing may be lost,
// and a continue-as-new in the middle (forced by a small history limit) must change none of that.
import { Worker } from '@temporalio/worker';
import { parseInventory, type LedgerSnapshot, type ReserveBootResult } from '../../domain';
import { createTemporalLedger, type TemporalLedger } from '../../worker/temporal-ledger';
import { startTemporalEnv, uniqueId, workflowBundle, type TemporalEnv } from '../helpers/temporal-env';

jest.setTimeout(600_000);

const VMS = 200;
let env: TemporalEnv;

beforeAll(async () => {
  env = await startTemporalEnv();
});
afterAll(async () => env?.close());

function inventory(fleet: string) {
  const host = (name: string, cpus: number, pool: 'boot' | 'settle') => ({
    name,
    uri: `qemu+unix:///system?socket=/tmp/${name}/libvirt-sock`,
    cpus,
    memoryMiB: 65536,
    pool,
  });
  return parseInventory({ fleet, hosts: [host('boot-a', 4, 'boot'), host('boot-b', 3, 'boot'), host('boot-c', 2, 'boot'), host('settle-a', 8, 'settle')] });
}

function assertWithinPolicy(snap: LedgerSnapshot): void {
  for (const h of snap.hosts) {
    expect(h.freeMemoryMiB).toBeGreaterThanOrEqual(0);
    if (h.pool === 'boot') {
      expect(h.vms.length).toBeLessThanOrEqual(h.cpus);
      expect(h.vcpusUsed).toBeLessThanOrEqual(h.cpus);
    } else {
      expect(h.vcpusUsed).toBeLessThanOrEqual(h.cpus * (h.cpuAllocationRatio ?? 4));
    }
  }
}

test('200 concurrent boot reservations: 9 placed, the rest queued then served FIFO as slots free up, across continue-as-new', async () => {
  const fleet = uniqueId('fleet');
  const taskQueue = uniqueId('ledger');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(require.resolve('./ledger-harness')),
  });
  const ledger: TemporalLedger = createTemporalLedger({
    client: env.client,
    taskQueue,
    loadInventory: async () => inventory(fleet),
    historyLimit: 400,
  });

  await worker.runUntil(async () => {
    const waiters = await Promise.all(
      Array.from({ length: VMS }, (_, i) =>
        env.client.workflow.start('grantWaiter', { taskQueue, workflowId: `${fleet}-waiter-${i}` }),
      ),
    );
    const request = (i: number) => ({ reservationId: `${fleet}-r${i}`, vmId: `${fleet}-vm${i}`, workflowId: `${fleet}-waiter-${i}`, vcpus: 1, memoryMiB: 512 });
    const firstRunId = (await ledger.reserveBoot(fleet, request(0)), (await env.client.workflow.getHandle(`fleet/${fleet}`).describe()).runId);
    const results: ReserveBootResult[] = await Promise.all(Array.from({ length: VMS }, (_, i) => ledger.reserveBoot(fleet, request(i))));

    const reserved = results.flatMap((r, i) => (r.status === 'reserved' ? [i] : []));
    const queued = results.flatMap((r, i) => (r.status === 'queued' ? [{ i, position: r.position }] : []));
    expect(reserved).toHaveLength(9);
    expect(queued).toHaveLength(VMS - 9);
    expect(new Set(queued.map((q) => q.position)).size).toBe(queued.length);
    const fifo = [...queued].sort((a, b) => a.position - b.position).map((q) => q.i);
    assertWithinPolicy(await ledger.snapshot(fleet));

    // Release the placed VMs a few at a time; each release must admit exactly the head of the queue.
    let holding = [...reserved];
    let nextInQueue = 0;
    const released = new Set<number>();
    while (holding.length > 0) {
      const batch = holding.slice(0, 3);
      holding = holding.slice(3);
      const replies = await Promise.all(batch.map((i) => ledger.release(fleet, { reservationId: `${fleet}-r${i}` })));
      replies.forEach((r) => expect(r.status).toBe('released'));
      batch.forEach((i) => released.add(i));
      const admitted = fifo.slice(nextInQueue, nextInQueue + batch.length);
      nextInQueue += admitted.length;
      const grants = await Promise.all(admitted.map((i) => waiters[i]!.result()));
      grants.forEach((g, k) => expect(g.reservationId).toBe(`${fleet}-r${admitted[k]}`));
      holding.push(...admitted);
      const snap = await ledger.snapshot(fleet);
      assertWithinPolicy(snap);
      expect(snap.queue.map((q) => q.reservationId)).toEqual(fifo.slice(nextInQueue).map((i) => `${fleet}-r${i}`));
    }

    expect(released.size).toBe(VMS);
    const end = await ledger.snapshot(fleet);
    expect(end.counts).toMatchObject({ vms: 0, bootReserved: 0, queued: 0 });
    // Replays after all that (and after continue-as-new) change nothing and answer as the first time did.
    expect(await ledger.release(fleet, { reservationId: `${fleet}-r0` })).toEqual({ status: 'released' });
    expect(await ledger.reserveBoot(fleet, request(5))).toEqual(results[5]);
    expect((await ledger.snapshot(fleet)).counts.vms).toBe(0);
    // The small history limit forced at least one continue-as-new in the middle of all this.
    expect((await env.client.workflow.getHandle(`fleet/${fleet}`).describe()).runId).not.toBe(firstRunId);
  });
});

test('bad requests are rejected by the synchronous validators and never reach history', async () => {
  const fleet = uniqueId('fleet');
  const taskQueue = uniqueId('ledger');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('./ledger-harness')) });
  const ledger = createTemporalLedger({ client: env.client, taskQueue, loadInventory: async () => inventory(fleet) });
  await worker.runUntil(async () => {
    await ledger.release(fleet, { reservationId: 'warm-up' });
    const bad = { reservationId: 'r-1', vmId: 'vm-1', workflowId: 'w-1', vcpus: 0, memoryMiB: 512 };
    await expect(ledger.reserveBoot(fleet, bad)).rejects.toThrow(/vcpus: must be an integer from 1 to 64/);
    const history = await env.client.workflow.getHandle(`fleet/${fleet}`).fetchHistory();
    const json = JSON.stringify(history);
    expect(json).not.toContain('r-1');
    expect((await ledger.snapshot(fleet)).counts.vms).toBe(0);
  });
});
