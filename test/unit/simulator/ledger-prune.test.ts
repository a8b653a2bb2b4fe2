// Pruning the ledger's memory of applied requests: only ended reservations' results go, oldest first, and only
// beyond the limit; live reservations keep answering replays exactly.
import { parseInventory } from '../../../domain';
import { createLedger, release, reserveBoot } from '../../../simulator/ledger';
import { pruneApplied } from '../../../simulator/ledger';

const inventory = parseInventory({
  fleet: 'f',
  hosts: [{ name: 'boot-1', uri: 'qemu+unix:///system?socket=/tmp/s', cpus: 64, memoryMiB: 1_000_000, pool: 'boot' }],
});
const req = (i: number) => ({ reservationId: `r${i}`, vmId: `vm${i}`, workflowId: `w${i}`, vcpus: 1, memoryMiB: 64 });

test('drops the oldest ended results beyond the limit and keeps every live one', () => {
  const state = createLedger(inventory);
  for (let i = 0; i < 40; i += 1) reserveBoot(state, req(i));
  for (let i = 0; i < 30; i += 1) release(state, { reservationId: `r${i}` });
  expect(Object.keys(state.applied)).toHaveLength(70);

  expect(pruneApplied(state, { max: 100, keep: 20 })).toBe(0);
  const dropped = pruneApplied(state, { max: 50, keep: 20 });
  expect(dropped).toBe(50);
  const left = Object.keys(state.applied);
  expect(left).toHaveLength(20);
  // The ten live reservations still answer a replay with their first result, and nothing else changed.
  for (let i = 30; i < 40; i += 1) expect(left).toContain(`reserveBoot:r${i}`);
  const before = JSON.stringify(state.reservations);
  expect(reserveBoot(state, req(35))).toEqual({ status: 'reserved', host: 'boot-1' });
  expect(JSON.stringify(state.reservations)).toBe(before);
});

test('never drops the result of a live reservation, even over the limit', () => {
  const state = createLedger(inventory);
  for (let i = 0; i < 30; i += 1) reserveBoot(state, req(i));
  expect(pruneApplied(state, { max: 10, keep: 5 })).toBe(0);
  expect(Object.keys(state.applied)).toHaveLength(30);
});
