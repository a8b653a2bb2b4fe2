// The ledger under concurrency, on a real PostgreSQL: for many random fleets, 200 claimers at once, each a VM going
// through the ledger as provisionVm does (reserve a boot slot or wait in the queue, reserve a settle slot, commit,
// sometimes give up or be decommissioned), every request sent twice at once as a retry would be. Whatever the
// interleaving: no host is ever over its policy and each host's counters equal its live reservations; duplicate
// requests get one reply and take room once; grants go out in queue order and no room is left idle while the
// queue's head would fit.
import fc from 'fast-check';
import type { Inventory, ReserveBootResult } from '../../domain';
import type { PostgresLedger } from '../../ledger/postgres-ledger';
import { startTestLedger, type TestLedger } from '../helpers/postgres';
import { inventoryOf, ledgerOver, violations, type HostSpec } from './ledger-fixtures';

jest.setTimeout(600_000);

const CLAIMERS = 200;

let t: TestLedger;
beforeAll(async () => {
  // More connections than the worker's default pool, so that transactions really overlap.
  t = await startTestLedger({ poolSize: 60 });
});
afterAll(async () => t?.close());

const hostArb = (pool: 'boot' | 'settle', i: number): fc.Arbitrary<HostSpec> =>
  fc.record({
    name: fc.constant(`${pool}-${i}`),
    pool: fc.constant(pool),
    cpus: fc.integer({ min: 1, max: 4 }),
    memoryMiB: fc.integer({ min: 1024, max: 8192 }),
    cpuAllocationRatio: fc.constantFrom(1, 2, 4),
  });
const fleetArb = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.boolean())
  .chain(([boots, settles, bootVcpusWithinCpus]) =>
    fc.record({
      hosts: fc.tuple(...[...Array(boots).keys()].map((i) => hostArb('boot', i)), ...[...Array(settles).keys()].map((i) => hostArb('settle', i))),
      bootVcpusWithinCpus: fc.constant(bootVcpusWithinCpus),
    }),
  );
const claimerArb = fc.record({
  fleet: fc.nat(),
  vcpus: fc.integer({ min: 1, max: 3 }),
  memoryMiB: fc.integer({ min: 256, max: 1536 }),
  group: fc.option(fc.constantFrom('db', 'web'), { nil: undefined }),
  /** what the VM does once placed: give the boot slot back, or settle (and then maybe be decommissioned) */
  plan: fc.constantFrom('release', 'settle', 'settle-then-go'),
  /** whether a queued VM gives up waiting */
  givesUp: fc.boolean(),
});

type Claimer = typeof claimerArb extends fc.Arbitrary<infer T> ? T : never;

/** Sends a request twice at once, as a retry racing the original would, and insists on one answer. */
async function twice<T>(send: () => Promise<T>): Promise<T> {
  const [a, b] = await Promise.all([send(), send()]);
  expect(b).toEqual(a);
  return a;
}

async function claim(ledger: PostgresLedger, fleet: string, n: number, c: Claimer): Promise<ReserveBootResult> {
  const vmId = `vm/c/${fleet}/${n}`;
  const boot = { reservationId: `${vmId}@r:boot`, vmId, workflowId: vmId, vcpus: c.vcpus, memoryMiB: c.memoryMiB, ...(c.group && { antiAffinityGroup: c.group }) };
  const reply = await twice(() => ledger.reserveBoot(fleet, boot));
  if (reply.status === 'queued') {
    if (c.givesUp) await twice(() => ledger.release(fleet, { reservationId: boot.reservationId }));
    return reply;
  }
  if (reply.status !== 'reserved') return reply;
  if (c.plan === 'release') {
    await twice(() => ledger.release(fleet, { reservationId: boot.reservationId }));
    return reply;
  }
  const settleId = `${vmId}@r:settle-1`;
  const slot = await twice(() => ledger.reserveSettle(fleet, { reservationId: settleId, vmId }));
  if (slot.status === 'reserved') await twice(() => ledger.commitMove(fleet, { vmId, reservationId: settleId }));
  if (c.plan === 'settle-then-go' || slot.status !== 'reserved') {
    // Releasing a VM is idempotent by its effect, not its reply: of two racing calls, each reservation is released by
    // exactly one.
    const [a, b] = await Promise.all([ledger.releaseVm(fleet, { vmId }), ledger.releaseVm(fleet, { vmId })]);
    const released = [...a.reservations, ...b.reservations];
    expect(new Set(released).size).toBe(released.length);
    expect(released.length).toBeGreaterThan(0);
  }
  return reply;
}

test(`${CLAIMERS} concurrent claimers over random fleets: no host overcommitted, FIFO grants, every claim idempotent`, async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fleetArb, { minLength: 1, maxLength: 4 }), fc.array(claimerArb, { minLength: CLAIMERS, maxLength: CLAIMERS }), async (fleets, claimers) => {
      runs += 1;
      const inventories: Inventory[] = fleets.map((f) => inventoryOf(f.hosts, { bootVcpusWithinCpus: f.bootVcpusWithinCpus }));
      const { ledger, grants } = ledgerOver(t.db, inventories);
      const replies = await Promise.all(claimers.map((c, n) => claim(ledger, inventories[c.fleet % inventories.length]!.fleet, n, c)));
      expect(replies.every((r) => ['reserved', 'queued', 'rejected'].includes(r.status))).toBe(true);
      for (const inventory of inventories) {
        expect(await violations(t.db, inventory)).toEqual([]);
        // Grants in the order they were made (outbox ids) follow the order the VMs joined the queue.
        const granted = await t.db
          .selectFrom('grant_outbox')
          .innerJoin('reservations', 'reservations.reservation_id', 'grant_outbox.reservation_id')
          .select(['grant_outbox.id', 'reservations.queue_seq'])
          .where('grant_outbox.fleet', '=', inventory.fleet)
          .orderBy('grant_outbox.id')
          .execute();
        const order = granted.map((g) => Number(g.queue_seq));
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(new Set(order).size).toBe(order.length);
      }
      // Each grant was delivered once, to a VM that had been queued.
      const queuedIds = new Set(replies.flatMap((r, n) => (r.status === 'queued' ? [n] : [])));
      expect(grants.delivered.every((g) => queuedIds.has(Number(g.workflowId.split('/').at(-1))))).toBe(true);
      expect(new Set(grants.delivered.map((g) => g.reservationId)).size).toBe(grants.delivered.length);
    }),
    { numRuns: 6, seed: 20261129, endOnFailure: true },
  );
  expect(runs).toBe(6);
});
