import { drainHost, findHost, reserveBoot, reserveSettle, resyncInventory, snapshot, type LedgerState } from '../../../simulator/ledger';
import { bootRequest, inventoryOf, ledgerOf, uid, type HostSpec } from '../domain/fixtures';

const hosts: HostSpec[] = [
  { name: 'boot-1', pool: 'boot', cpus: 2 },
  { name: 'boot-2', pool: 'boot', cpus: 2 },
  { name: 'settle-1', pool: 'settle', cpus: 2 },
];

describe('drainHost', () => {
  it('stops new placements but keeps the VMs', () => {
    const state = ledgerOf(hosts);
    const vm = uid('vm');
    expect(reserveBoot(state, bootRequest(vm))).toEqual({ status: 'reserved', host: 'boot-1' });
    expect(drainHost(state, { host: 'boot-1' })).toEqual({ status: 'draining', host: 'boot-1' });
    expect(drainHost(state, { host: 'boot-1' })).toEqual({ status: 'draining', host: 'boot-1' });
    expect(reserveBoot(state, bootRequest(uid('vm')))).toEqual({ status: 'reserved', host: 'boot-2' });
    expect(snapshot(state).hosts[0]).toMatchObject({ name: 'boot-1', state: 'draining', vms: [vm] });
  });

  it('leaves a down host down and says so for unknown hosts', () => {
    const state = ledgerOf([...hosts, { name: 'boot-3', pool: 'boot', cpus: 1, state: 'down' }]);
    expect(drainHost(state, { host: 'boot-3' })).toEqual({ status: 'down', host: 'boot-3' });
    expect(drainHost(state, { host: 'nope' })).toEqual({ status: 'unknown', host: 'nope' });
  });
});

describe('resyncInventory', () => {
  function loaded(): { state: LedgerState; vm: string } {
    const state = ledgerOf(hosts);
    const vm = uid('vm');
    reserveBoot(state, bootRequest(vm, 2));
    reserveSettle(state, { reservationId: uid('s'), vmId: vm });
    return { state, vm };
  }

  it('adds, updates, removes empty hosts and keeps vanished busy hosts as down', () => {
    const { state, vm } = loaded();
    const before = structuredClone(state.reservations);
    const result = resyncInventory(
      state,
      inventoryOf([
        { name: 'boot-2', pool: 'boot', cpus: 4 },
        { name: 'settle-2', pool: 'settle', cpus: 8, cpuAllocationRatio: 2 },
      ]),
    );
    expect(result).toEqual({
      status: 'resynced',
      added: ['settle-2'],
      updated: ['boot-2'],
      removed: [],
      markedDown: ['boot-1', 'settle-1'],
    });
    expect(state.reservations).toEqual(before);
    expect(findHost(state, 'boot-1')).toMatchObject({ state: 'down', usage: { vms: 1, vcpus: 2 } });
    expect(findHost(state, 'boot-2')?.cpus).toBe(4);
    expect(snapshot(state).hosts.find((h) => h.name === 'settle-1')?.vms).toEqual([vm]);
  });

  it('removes a vanished host once it is empty, and is idempotent', () => {
    const state = ledgerOf(hosts);
    const inventory = inventoryOf(hosts.slice(1));
    expect(resyncInventory(state, inventory)).toMatchObject({ removed: ['boot-1'], markedDown: [] });
    const after = structuredClone(state);
    expect(resyncInventory(state, inventory)).toEqual({ status: 'resynced', added: [], updated: [], removed: [], markedDown: [] });
    expect(state).toEqual(after);
  });

  it('takes the host state and policy from the file', () => {
    const state = ledgerOf(hosts);
    drainHost(state, { host: 'boot-1' });
    resyncInventory(state, inventoryOf(hosts, false));
    expect(findHost(state, 'boot-1')?.state).toBe('active');
    expect(state.policy).toEqual({ bootVcpusWithinCpus: false });
  });

  it('refuses an inventory of another fleet', () => {
    const state = ledgerOf(hosts);
    expect(resyncInventory(state, inventoryOf(hosts, true, 'other'))).toEqual({
      status: 'rejected',
      reason: 'inventory is for fleet "other", not "lab"',
    });
  });
});
