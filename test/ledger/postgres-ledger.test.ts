// The fleet ledger on a real PostgreSQL, one request at a time: placement as the domain decides it (boot spreads,
// settle fits best), the undersubscribed rules, the FIFO boot queue and its grants (decided in the transaction that
// frees room), idempotency by reservation id, leaked capacity, drain, resync from the inventory, and grants whose
// signal was lost or whose workflow is gone. After every test the fleet's invariants are checked on the rows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CompiledQuery } from 'kysely';
import type { Inventory } from '../../domain';
import { ledgerSize } from '../../ledger/snapshot';
import { startTestLedger, type TestLedger } from '../helpers/postgres';
import { inventoryOf, ledgerOver, violations, type HostSpec } from './ledger-fixtures';

jest.setTimeout(60_000);

let t: TestLedger;
beforeAll(async () => {
  t = await startTestLedger();
});
afterAll(async () => t?.close());

const checked: Inventory[] = [];
afterEach(async () => {
  for (const inventory of checked.splice(0)) expect(await violations(t.db, inventory)).toEqual([]);
});

function fleet(hosts: HostSpec[], opts: { bootVcpusWithinCpus?: boolean } = {}) {
  const inventory = inventoryOf(hosts, opts);
  checked.push(inventory);
  const { ledger, grants } = ledgerOver(t.db, [inventory]);
  let n = 0;
  /** A boot request for a new VM (ids unique per call). */
  const boot = (vcpus = 1, extra: { memoryMiB?: number; antiAffinityGroup?: string; vm?: string } = {}) => {
    n += 1;
    const vmId = extra.vm ?? `vm/t/${inventory.fleet}/${n}`;
    return { reservationId: `${vmId}@run:boot`, vmId, workflowId: vmId, vcpus, memoryMiB: extra.memoryMiB ?? 256, ...(extra.antiAffinityGroup && { antiAffinityGroup: extra.antiAffinityGroup }) };
  };
  return { inventory, ledger, grants, f: inventory.fleet, boot };
}

const twoBoot: HostSpec[] = [
  { name: 'boot-1', pool: 'boot', cpus: 2 },
  { name: 'boot-2', pool: 'boot', cpus: 2 },
  { name: 'settle-1', pool: 'settle', cpus: 2 },
  { name: 'settle-2', pool: 'settle', cpus: 4 },
];

test('boot reservations spread over the boot hosts (most free CPUs, then name); settle fits best; commit frees the boot slot', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  const a = boot(1);
  const b = boot(1);
  expect(await ledger.reserveBoot(f, a)).toEqual({ status: 'reserved', host: 'boot-1' });
  expect(await ledger.reserveBoot(f, b)).toEqual({ status: 'reserved', host: 'boot-2' });
  // settle-1 (2 CPUs x 4 = 8 vCPUs) leaves less headroom than settle-2 (16): best fit.
  expect(await ledger.reserveSettle(f, { reservationId: `${a.vmId}@run:settle-1`, vmId: a.vmId })).toEqual({ status: 'reserved', host: 'settle-1' });
  expect(await ledger.reserveSettle(f, { reservationId: `${b.vmId}@run:settle-1`, vmId: b.vmId, exclude: ['settle-1'] })).toEqual({
    status: 'reserved',
    host: 'settle-2',
  });
  expect(await ledger.commitMove(f, { vmId: a.vmId, reservationId: `${a.vmId}@run:settle-1` })).toEqual({ status: 'committed', host: 'settle-1' });
  const s = await ledger.snapshot(f);
  const host = (name: string) => s.hosts.find((h) => h.name === name)!;
  expect(host('boot-1')).toMatchObject({ vms: [], vcpusUsed: 0 });
  expect(host('boot-2')).toMatchObject({ vms: [b.vmId], vcpusUsed: 1 });
  expect(host('settle-1')).toMatchObject({ vms: [a.vmId], vcpusUsed: 1, freeVcpus: 7 });
  expect(s.counts).toMatchObject({ committed: 1, bootReserved: 1, settleReserved: 1, queued: 0, vms: 2 });
});

test('a boot host takes no more VMs than CPUs, and (by policy) no more vCPUs than CPUs', async () => {
  const { ledger, f, boot } = fleet([{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 8 }]);
  expect(await ledger.reserveBoot(f, boot(2))).toEqual({ status: 'reserved', host: 'boot-1' });
  // A 1-vCPU VM would fit the VM count (1 < 2) but not the vCPUs (2 + 1 > 2): it waits.
  expect(await ledger.reserveBoot(f, boot(1))).toEqual({ status: 'queued', position: 1 });

  const loose = fleet([{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 8 }], { bootVcpusWithinCpus: false });
  expect(await loose.ledger.reserveBoot(loose.f, loose.boot(2))).toEqual({ status: 'reserved', host: 'boot-1' });
  expect(await loose.ledger.reserveBoot(loose.f, loose.boot(2))).toEqual({ status: 'reserved', host: 'boot-1' });
  expect(await loose.ledger.reserveBoot(loose.f, loose.boot(1))).toEqual({ status: 'queued', position: 1 });
});

test('a VM no boot host could ever hold is rejected, not queued, with the reason', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  expect(await ledger.reserveBoot(f, boot(3))).toEqual({ status: 'rejected', reason: 'no boot host can hold 3 vCPUs and 256 MiB' });
  expect(await ledger.reserveBoot(f, boot(1, { memoryMiB: 100_000 }))).toEqual({ status: 'rejected', reason: 'no boot host can hold 1 vCPUs and 100000 MiB' });
});

test('the boot queue is strict FIFO: releases admit its head in the same transaction, and a newcomer that would fit waits behind', async () => {
  const { ledger, grants, f, boot } = fleet([{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 8 }]);
  const first = boot(2);
  expect(await ledger.reserveBoot(f, first)).toEqual({ status: 'reserved', host: 'boot-1' });
  const big = boot(2);
  const small = boot(1);
  expect(await ledger.reserveBoot(f, big)).toEqual({ status: 'queued', position: 1 });
  expect(await ledger.reserveBoot(f, small)).toEqual({ status: 'queued', position: 2 });
  const s = await ledger.snapshot(f);
  expect(s.queue.map((q) => q.vmId)).toEqual([big.vmId, small.vmId]);

  expect(await ledger.release(f, { reservationId: first.reservationId })).toEqual({ status: 'released' });
  // The big one is admitted (it is first) and fills the host; the small one still waits.
  expect(grants.delivered).toEqual([{ workflowId: big.workflowId, reservationId: big.reservationId, host: 'boot-1' }]);
  expect((await ledger.snapshot(f)).queue.map((q) => q.vmId)).toEqual([small.vmId]);
  // A newcomer that would fit after another release still queues behind the small one.
  const late = boot(1);
  expect(await ledger.reserveBoot(f, late)).toEqual({ status: 'queued', position: 2 });
  await ledger.release(f, { reservationId: big.reservationId });
  expect(grants.delivered.map((g) => g.workflowId)).toEqual([big.workflowId, small.workflowId, late.workflowId]);
  expect((await ledger.snapshot(f)).queue).toEqual([]);
});

test('every request is idempotent by reservation id: a retry gets the first reply and takes nothing more', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  const a = boot(1);
  const first = await ledger.reserveBoot(f, a);
  expect(await ledger.reserveBoot(f, a)).toEqual(first);
  const settle = { reservationId: `${a.vmId}@run:settle-1`, vmId: a.vmId };
  const placed = await ledger.reserveSettle(f, settle);
  expect(await ledger.reserveSettle(f, settle)).toEqual(placed);
  const commit = { vmId: a.vmId, reservationId: settle.reservationId };
  expect(await ledger.commitMove(f, commit)).toEqual({ status: 'committed', host: 'settle-1' });
  expect(await ledger.commitMove(f, commit)).toEqual({ status: 'committed', host: 'settle-1' });
  expect(await ledger.release(f, { reservationId: settle.reservationId })).toEqual({ status: 'released' });
  expect(await ledger.release(f, { reservationId: settle.reservationId })).toEqual({ status: 'released' });
  // After the release, a late retry of the reserve still gets its first reply and takes no room.
  expect(await ledger.reserveBoot(f, a)).toEqual(first);
  expect((await ledger.snapshot(f)).hosts.every((h) => h.vcpusUsed === 0)).toBe(true);
  // Concurrent duplicates of one request: one reservation, one reply.
  const b = boot(1);
  const replies = await Promise.all(Array.from({ length: 8 }, () => ledger.reserveBoot(f, b)));
  for (const reply of replies) expect(reply).toEqual(replies[0]);
  expect((await ledger.snapshot(f)).counts.bootReserved).toBe(1);
});

test('an id released before it was reserved can never be reserved (a late reserve must not take a slot nobody frees)', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  const a = boot(1);
  expect(await ledger.release(f, { reservationId: a.reservationId })).toEqual({ status: 'unknown' });
  expect(await ledger.reserveBoot(f, a)).toEqual({ status: 'rejected', reason: `reservation "${a.reservationId}" was released` });
  expect(await ledger.reserveBoot(f, { ...boot(1), vmId: a.vmId })).toMatchObject({ status: 'reserved' });
  const again = { ...boot(1), vmId: a.vmId };
  expect(await ledger.reserveBoot(f, again)).toEqual({ status: 'rejected', reason: expect.stringMatching(/already holds boot reservation/) });
});

test('anti-affinity: two VMs of one group never share a host', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  expect(await ledger.reserveBoot(f, boot(1, { antiAffinityGroup: 'db' }))).toEqual({ status: 'reserved', host: 'boot-1' });
  expect(await ledger.reserveBoot(f, boot(1, { antiAffinityGroup: 'db' }))).toEqual({ status: 'reserved', host: 'boot-2' });
  // Both boot hosts hold a "db" VM: the third waits, though both have room.
  expect(await ledger.reserveBoot(f, boot(1, { antiAffinityGroup: 'db' }))).toEqual({ status: 'queued', position: 1 });
});

test('a leaked reservation keeps its capacity, shows in the snapshot, survives a release, and goes with releaseVm or clearLeaked', async () => {
  const { ledger, grants, f, boot } = fleet([{ name: 'boot-1', pool: 'boot', cpus: 1 }, { name: 'settle-1', pool: 'settle', cpus: 8 }]);
  const a = boot(1);
  await ledger.reserveBoot(f, a);
  const waiting = boot(1);
  expect(await ledger.reserveBoot(f, waiting)).toEqual({ status: 'queued', position: 1 });
  expect(await ledger.markLeaked(f, { vmId: a.vmId, reservationId: a.reservationId, reason: 'destroy failed: host said no' })).toEqual({
    status: 'leaked',
    reservations: [a.reservationId],
  });
  expect(await ledger.release(f, { reservationId: a.reservationId })).toEqual({ status: 'leaked' });
  let s = await ledger.snapshot(f);
  expect(s.leaked).toEqual([{ reservationId: a.reservationId, vmId: a.vmId, host: 'boot-1', vcpus: 1, memoryMiB: 256, reason: 'destroy failed: host said no', since: expect.any(String) }]);
  expect(s.hosts.find((h) => h.name === 'boot-1')).toMatchObject({ vcpusUsed: 1, freeVmSlots: 0 });
  expect(s.queue.map((q) => q.vmId)).toEqual([waiting.vmId]);
  expect(grants.delivered).toEqual([]);

  expect(await ledger.clearLeaked(f, { vmId: a.vmId })).toEqual({ status: 'cleared', reservations: [a.reservationId] });
  s = await ledger.snapshot(f);
  expect(s.leaked).toEqual([]);
  expect(grants.delivered.map((g) => g.workflowId)).toEqual([waiting.workflowId]);

  // releaseVm (decommission) frees leaked capacity too.
  await ledger.markLeaked(f, { vmId: waiting.vmId, host: 'boot-1', reason: 'x' });
  expect(await ledger.releaseVm(f, { vmId: waiting.vmId })).toEqual({ status: 'released', reservations: [waiting.reservationId] });
  expect((await ledger.snapshot(f)).hosts.every((h) => h.vcpusUsed === 0)).toBe(true);
});

test('a draining host takes nothing new; resync follows the inventory (added, updated, removed, kept down while it holds VMs)', async () => {
  const { ledger, f, boot, inventory } = fleet(twoBoot);
  expect(await ledger.drainHost(f, { host: 'boot-1' })).toEqual({ status: 'draining', host: 'boot-1' });
  expect(await ledger.drainHost(f, { host: 'nope' })).toEqual({ status: 'unknown', host: 'nope' });
  const a = boot(1);
  expect(await ledger.reserveBoot(f, a)).toEqual({ status: 'reserved', host: 'boot-2' });

  const next: Inventory = {
    ...inventory,
    hosts: [
      ...inventory.hosts.filter((h) => h.name !== 'boot-2' && h.name !== 'settle-2').map((h) => (h.name === 'settle-1' ? { ...h, cpus: 3 } : h)),
      { ...inventory.hosts[0]!, name: 'boot-3', uri: `test:///ledger/${f}/boot-3` },
    ],
  };
  expect(await ledger.resync(next)).toEqual({ status: 'resynced', added: ['boot-3'], updated: ['boot-1', 'settle-1'], removed: ['settle-2'], markedDown: ['boot-2'] });
  const s = await ledger.snapshot(f);
  expect(s.hosts.map((h) => [h.name, h.state])).toEqual([
    ['boot-1', 'active'],
    ['boot-2', 'down'],
    ['boot-3', 'active'],
    ['settle-1', 'active'],
  ]);
  expect(s.hosts.find((h) => h.name === 'settle-1')!.freeVcpus).toBe(12);
  expect(s.hosts.find((h) => h.name === 'boot-2')!.vms).toEqual([a.vmId]);
  // Once its last VM is gone, the next resync removes the down host.
  await ledger.releaseVm(f, { vmId: a.vmId });
  expect(await ledger.resync(next)).toMatchObject({ removed: ['boot-2'], added: [], updated: [] });
});

test("a grant whose workflow is gone releases the slot and admits the next; a lost signal is delivered by the sweep", async () => {
  const { ledger, grants, f, boot } = fleet([{ name: 'boot-1', pool: 'boot', cpus: 1 }, { name: 'settle-1', pool: 'settle', cpus: 8 }]);
  const holder = boot(1);
  await ledger.reserveBoot(f, holder);
  const ghost = boot(1);
  const next = boot(1);
  await ledger.reserveBoot(f, ghost);
  await ledger.reserveBoot(f, next);
  grants.gone.add(ghost.workflowId);
  grants.failOnce.add(next.workflowId);
  await ledger.release(f, { reservationId: holder.reservationId });
  // ghost was admitted, found gone, released; next was admitted, but its signal was lost.
  expect(grants.delivered).toEqual([]);
  const pending = await t.db.selectFrom('grant_outbox').selectAll().where('fleet', '=', f).where('delivered_at', 'is', null).execute();
  expect(pending.map((p) => p.reservation_id)).toEqual([next.reservationId]);
  expect(pending[0]!.last_error).toMatch(/signal lost/);
  expect(await ledger.sweepGrants({ olderThanMs: 0 })).toBe(1);
  expect(grants.delivered).toEqual([{ workflowId: next.workflowId, reservationId: next.reservationId, host: 'boot-1' }]);
  expect(await ledger.sweepGrants({ olderThanMs: 0 })).toBe(0);
  const s = await ledger.snapshot(f);
  expect(s.hosts.find((h) => h.name === 'boot-1')!.vms).toEqual([next.vmId]);
});

test('bad requests are refused naming the field and the rule, and leave no row', async () => {
  const { ledger, f, boot } = fleet(twoBoot);
  const bad = { ...boot(1), vcpus: 0 };
  await expect(ledger.reserveBoot(f, bad)).rejects.toMatchObject({ type: 'InvalidLedgerInput', nonRetryable: true, message: expect.stringMatching(/vcpus/) });
  await expect(ledger.markLeaked(f, { vmId: bad.vmId, reason: '' })).rejects.toMatchObject({ type: 'InvalidLedgerInput', message: expect.stringMatching(/reason/) });
  expect(await t.db.selectFrom('reservations').select('reservation_id').where('reservation_id', '=', bad.reservationId).execute()).toEqual([]);
});

test('the ledger reports its size', async () => {
  fleet(twoBoot);
  expect(await ledgerSize(t.db)).toBeGreaterThan(0);
});

test("README's query says why a VM waited: how long, and how many were ahead of it when it came", async () => {
  const { ledger, f, boot } = fleet([{ name: 'boot-1', pool: 'boot', cpus: 1 }, { name: 'settle-1', pool: 'settle', cpus: 8 }]);
  const first = boot(1);
  const second = boot(1);
  const third = boot(1);
  await ledger.reserveBoot(f, first);
  await ledger.reserveBoot(f, second);
  await ledger.reserveBoot(f, third);
  await ledger.release(f, { reservationId: first.reservationId });
  await ledger.release(f, { reservationId: second.reservationId });
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const query = /```sql\n([\s\S]*?)```/.exec(readme)![1]!.replace("'vm/quickstart/dev/web'", '$1');
  const { rows } = await t.db.getExecutor().executeQuery<{ status: string; host: string; waited: unknown; ahead_of_it: string }>(
    CompiledQuery.raw(query, [third.vmId]),
  );
  expect(rows).toEqual([expect.objectContaining({ status: 'reserved', host: 'boot-1', ahead_of_it: '1' })]);
  expect(rows[0]!.waited).not.toBeNull();
});
