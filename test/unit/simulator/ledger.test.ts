import { admitQueued, commitMove, release, reserveBoot, reserveSettle, snapshot, type LedgerState, findHost } from '../../../simulator/ledger';
import { bootRequest, ledgerOf, uid } from '../domain/fixtures';

const clone = (state: LedgerState): LedgerState => JSON.parse(JSON.stringify(state)) as LedgerState;

function smallFleet(): LedgerState {
  return ledgerOf([
    { name: 'boot-1', pool: 'boot', cpus: 2, memoryMiB: 2048 },
    { name: 'boot-2', pool: 'boot', cpus: 1, memoryMiB: 2048 },
    { name: 'settle-1', pool: 'settle', cpus: 1, memoryMiB: 4096 },
    { name: 'settle-2', pool: 'settle', cpus: 2, memoryMiB: 4096 },
  ]);
}

describe('reserveBoot', () => {
  it('spreads boots, then queues FIFO when no undersubscribed room is left', () => {
    const state = smallFleet();
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(() => uid('vm'));
    expect(reserveBoot(state, bootRequest(a as string))).toEqual({ status: 'reserved', host: 'boot-1' });
    // boot-1 and boot-2 now both have one free CPU; boot-2 has more free memory.
    expect(reserveBoot(state, bootRequest(b as string))).toEqual({ status: 'reserved', host: 'boot-2' });
    expect(reserveBoot(state, bootRequest(c as string))).toEqual({ status: 'reserved', host: 'boot-1' });
    expect(reserveBoot(state, bootRequest(d as string))).toEqual({ status: 'queued', position: 1 });
    expect(reserveBoot(state, bootRequest(e as string))).toEqual({ status: 'queued', position: 2 });
    expect(snapshot(state).queue.map((q) => q.vmId)).toEqual([d, e]);
  });

  it('makes newcomers wait behind the queue even when they would fit', () => {
    const state = ledgerOf([{ name: 'boot-1', pool: 'boot', cpus: 2 }]);
    reserveBoot(state, bootRequest(uid('vm'), 1));
    const big = uid('vm');
    expect(reserveBoot(state, bootRequest(big, 2))).toEqual({ status: 'queued', position: 1 });
    expect(reserveBoot(state, bootRequest(uid('vm'), 1))).toEqual({ status: 'queued', position: 2 });
    expect(admitQueued(state)).toEqual([]);
  });

  it('rejects what no boot host could ever hold, and a second boot slot for one VM', () => {
    const state = smallFleet();
    expect(reserveBoot(state, bootRequest(uid('vm'), 3))).toEqual({
      status: 'rejected',
      reason: 'no boot host can hold 3 vCPUs and 256 MiB',
    });
    const vm = uid('vm');
    reserveBoot(state, bootRequest(vm));
    expect(reserveBoot(state, { ...bootRequest(vm), reservationId: `${vm}/boot-again` })).toEqual({
      status: 'rejected',
      reason: `vm "${vm}" already holds boot reservation "${vm}/boot"`,
    });
  });

  it('returns the first result for a replay and never re-reserves a released id', () => {
    const state = smallFleet();
    const vm = uid('vm');
    const first = reserveBoot(state, bootRequest(vm));
    expect(reserveBoot(state, bootRequest(vm))).toEqual(first);
    expect(release(state, { reservationId: `${vm}/boot` })).toEqual({ status: 'released' });
    const after = clone(state);
    expect(reserveBoot(state, bootRequest(vm))).toEqual(first);
    expect(state).toEqual(after);
    expect(snapshot(state).counts.bootReserved).toBe(0);
  });

  it('rejects a reserve that arrives after its release', () => {
    const state = smallFleet();
    const vm = uid('vm');
    expect(release(state, { reservationId: `${vm}/boot` })).toEqual({ status: 'unknown' });
    expect(reserveBoot(state, bootRequest(vm))).toEqual({
      status: 'rejected',
      reason: `reservation "${vm}/boot" was released`,
    });
    expect(snapshot(state).counts.vms).toBe(0);
  });

  it('treats ids that name Object.prototype members as plain ids', () => {
    const state = smallFleet();
    const request = { ...bootRequest('constructor', 1, 256, 'constructor'), reservationId: 'toString' };
    expect(reserveBoot(state, request)).toEqual({ status: 'reserved', host: 'boot-1' });
    expect(release(state, { reservationId: 'hasOwnProperty' })).toEqual({ status: 'unknown' });
    expect(release(state, { reservationId: 'toString' })).toEqual({ status: 'released' });
    expect(findHost(state, 'boot-1')?.usage).toEqual({ vms: 0, vcpus: 0, memoryMiB: 0, groups: {} });
  });
});

describe('reserveSettle and commitMove', () => {
  it('moves a VM: best-fit settle slot, then the boot slot is freed on commit', () => {
    const state = smallFleet();
    const vm = uid('vm');
    reserveBoot(state, bootRequest(vm, 2, 512, 'db'));
    const settleId = `${vm}/settle`;
    expect(reserveSettle(state, { reservationId: settleId, vmId: vm })).toEqual({ status: 'reserved', host: 'settle-1' });
    expect(findHost(state, 'settle-1')?.usage).toEqual({ vms: 1, vcpus: 2, memoryMiB: 512, groups: { db: 1 } });
    expect(commitMove(state, { vmId: vm, reservationId: settleId })).toEqual({ status: 'committed', host: 'settle-1' });
    expect(findHost(state, 'boot-1')?.usage).toEqual({ vms: 0, vcpus: 0, memoryMiB: 0, groups: {} });
    expect(state.vms[vm]).toEqual({ settle: settleId });
    expect(release(state, { reservationId: `${vm}/boot` })).toEqual({ status: 'released' });
    const after = clone(state);
    expect(commitMove(state, { vmId: vm, reservationId: settleId })).toEqual({ status: 'committed', host: 'settle-1' });
    expect(state).toEqual(after);
  });

  it('is unavailable without a reserved boot slot, with one settle slot already held, or with no room', () => {
    const state = smallFleet();
    const vm = uid('vm');
    expect(reserveSettle(state, { reservationId: uid('s'), vmId: vm })).toEqual({
      status: 'unavailable',
      reason: `vm "${vm}" holds no reserved boot slot`,
    });
    reserveBoot(state, bootRequest(vm, 1));
    const held = uid('s');
    reserveSettle(state, { reservationId: held, vmId: vm });
    expect(reserveSettle(state, { reservationId: uid('s'), vmId: vm })).toEqual({
      status: 'unavailable',
      reason: `vm "${vm}" already holds settle reservation "${held}"`,
    });
    release(state, { reservationId: held });
    const retry = reserveSettle(state, { reservationId: uid('s'), vmId: vm, exclude: ['settle-1', 'settle-2'] });
    expect(retry).toEqual({ status: 'unavailable', reason: `no settle host fits vm "${vm}"` });
  });

  it('answers unknown for a commit of someone else\u2019s settle reservation', () => {
    const state = smallFleet();
    const vm = uid('vm');
    reserveBoot(state, bootRequest(vm));
    const settleId = uid('s');
    reserveSettle(state, { reservationId: settleId, vmId: vm });
    expect(commitMove(state, { vmId: uid('other'), reservationId: settleId })).toEqual({ status: 'unknown' });
    expect(state.reservations[settleId]?.status).toBe('reserved');
  });
});

describe('release and admitQueued', () => {
  it('admits the queue head once room appears, strictly in order', () => {
    const state = ledgerOf([{ name: 'boot-1', pool: 'boot', cpus: 2 }]);
    const [a, b, c, d] = [1, 2, 3, 4].map(() => uid('vm')) as [string, string, string, string];
    reserveBoot(state, bootRequest(a, 1));
    reserveBoot(state, bootRequest(b, 1));
    reserveBoot(state, bootRequest(c, 2));
    reserveBoot(state, bootRequest(d, 1));
    release(state, { reservationId: `${a}/boot` });
    expect(admitQueued(state)).toEqual([]);
    release(state, { reservationId: `${b}/boot` });
    expect(admitQueued(state)).toEqual([{ reservationId: `${c}/boot`, workflowId: `vm/p/s/${c}`, vmId: c, host: 'boot-1' }]);
    expect(snapshot(state).queue).toEqual([{ position: 1, reservationId: `${d}/boot`, vmId: d, vcpus: 1, memoryMiB: 256 }]);
  });

  it('removes a queued request without touching any host', () => {
    const state = ledgerOf([{ name: 'boot-1', pool: 'boot', cpus: 1 }]);
    const [a, b] = [uid('vm'), uid('vm')];
    reserveBoot(state, bootRequest(a));
    reserveBoot(state, bootRequest(b));
    expect(release(state, { reservationId: `${b}/boot` })).toEqual({ status: 'released' });
    expect(state.queue).toEqual([]);
    expect(findHost(state, 'boot-1')?.usage.vms).toBe(1);
  });
});

describe('snapshot', () => {
  it('reports load, policy headroom, the queue and counts', () => {
    const state = smallFleet();
    const vm = uid('vm');
    reserveBoot(state, bootRequest(vm, 1, 512));
    reserveSettle(state, { reservationId: uid('s'), vmId: vm });
    const view = snapshot(state);
    expect(view.hosts.map((h) => h.name)).toEqual(['boot-1', 'boot-2', 'settle-1', 'settle-2']);
    expect(view.hosts[0]).toEqual({
      name: 'boot-1',
      pool: 'boot',
      state: 'active',
      cpus: 2,
      memoryMiB: 2048,
      cpuAllocationRatio: null,
      vms: [vm],
      vcpusUsed: 1,
      memoryUsedMiB: 512,
      freeVcpus: 1,
      freeVmSlots: 1,
      freeMemoryMiB: 1536,
    });
    expect(view.hosts[2]).toMatchObject({ name: 'settle-1', vms: [vm], freeVcpus: 3, freeVmSlots: null, cpuAllocationRatio: 4 });
    expect(view.counts).toEqual({ hosts: 4, vms: 1, bootReserved: 1, settleReserved: 1, committed: 0, queued: 0, leaked: 0 });
  });

  it('shows no vCPU limit on boot hosts when the policy counts VMs only', () => {
    const state = ledgerOf([{ name: 'boot-1', pool: 'boot', cpus: 2 }], false);
    expect(snapshot(state).hosts[0]).toMatchObject({ freeVcpus: null, freeVmSlots: 2 });
  });
});
