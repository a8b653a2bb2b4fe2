// The test model for the ledger property tests: random fleets and operation sequences, an interpreter that runs
// them against the domain code, and a from-scratch recomputation of what each host holds.
import fc from 'fast-check';
import { parseInventory, type HostUsage, type Inventory } from '../../../domain';
import { admitQueued, commitMove, createLedger, drainHost, findHost, release, reserveBoot, reserveSettle, resyncInventory, type LedgerState } from '../../../simulator/ledger';

export const HOST_NAMES = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'];
export const VM_COUNT = 6;

const bootArb = fc.record({
  pool: fc.constant('boot' as const),
  cpus: fc.integer({ min: 1, max: 4 }),
  memoryMiB: fc.integer({ min: 512, max: 4096 }),
});
const settleArb = fc.record({
  pool: fc.constant('settle' as const),
  cpus: fc.integer({ min: 1, max: 3 }),
  memoryMiB: fc.integer({ min: 512, max: 8192 }),
  cpuAllocationRatio: fc.constantFrom(1, 1.5, 2, 4),
});

/** Even hosts are usually boot hosts and odd ones settle hosts, so a resync mostly keeps pools but may flip one. */
const hostArb = (index: number) =>
  fc
    .oneof(
      { weight: 4, arbitrary: index % 2 === 0 ? bootArb : settleArb },
      { weight: 1, arbitrary: index % 2 === 0 ? settleArb : bootArb },
    )
    .chain((host) =>
      fc
        .oneof({ weight: 8, arbitrary: fc.constant('active') }, fc.constantFrom('draining', 'down'))
        .map((state) => ({ ...host, state, name: HOST_NAMES[index], uri: `test:///h${index}` })),
    );

const inventoryFrom = (indices: number[], bootVcpusWithinCpus: boolean): fc.Arbitrary<Inventory> =>
  fc.tuple(...indices.map(hostArb)).map((hosts) => parseInventory({ fleet: 'prop', policy: { bootVcpusWithinCpus }, hosts }));

const indicesArb = fc.uniqueArray(fc.integer({ min: 0, max: HOST_NAMES.length - 1 }), { minLength: 1, maxLength: 5 });

/** Any fleet, as a resync may bring. */
export const inventoryArb: fc.Arbitrary<Inventory> = fc
  .tuple(indicesArb, fc.boolean())
  .chain(([indices, flag]) => inventoryFrom(indices, flag));

/** A starting fleet: h0 and h1 always present, so most runs have both pools. */
export const initialInventoryArb: fc.Arbitrary<Inventory> = fc
  .tuple(indicesArb, fc.boolean())
  .chain(([indices, flag]) => inventoryFrom([0, 1, ...indices.filter((i) => i > 1)], flag));

const vmArb = fc.integer({ min: 0, max: VM_COUNT - 1 });
export type Op =
  | { kind: 'reserveBoot'; vm: number; attempt: number }
  | { kind: 'reserveSettle'; vm: number; attempt: number; exclude: string[] }
  | { kind: 'commitMove'; vm: number; attempt: number }
  | { kind: 'release'; slot: 'b' | 's'; vm: number; attempt: number }
  | { kind: 'drainHost'; host: string }
  | { kind: 'resync'; inventory: number }
  | { kind: 'admitQueued' }
  | { kind: 'advance'; vm: number; abort: boolean; exclude: string[] }
  | { kind: 'replay'; pick: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('reserveBoot' as const), vm: vmArb, attempt: fc.integer({ min: 0, max: 1 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reserveSettle' as const),
      vm: vmArb,
      attempt: fc.integer({ min: 0, max: 2 }),
      exclude: fc.subarray(HOST_NAMES, { maxLength: 2 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commitMove' as const), vm: vmArb, attempt: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('release' as const), slot: fc.constantFrom('b' as const, 's' as const), vm: vmArb, attempt: fc.integer({ min: 0, max: 2 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drainHost' as const), host: fc.constantFrom(...HOST_NAMES, 'nope') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resync' as const), inventory: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'admitQueued' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      vm: vmArb,
      abort: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      exclude: fc.subarray(HOST_NAMES, { maxLength: 1 }),
    }),
  },
);

export interface VmProfile {
  vcpus: number;
  memoryMiB: number;
  group?: string;
}

export const scenarioArb = fc.record({
  initial: initialInventoryArb,
  alternates: fc.array(inventoryArb, { minLength: 1, maxLength: 3 }),
  vms: fc.array(
    fc.record({
      vcpus: fc.constantFrom(1, 1, 1, 2, 3),
      memoryMiB: fc.integer({ min: 64, max: 1024 }),
      group: fc.constantFrom(undefined, 'g0', 'g1', 'constructor'),
    }),
    { minLength: VM_COUNT, maxLength: VM_COUNT },
  ),
  ops: fc.array(opArb, { minLength: 1, maxLength: 80, size: 'large' }),
});
export type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

export type KeyedOp = Extract<Op, { kind: 'reserveBoot' | 'reserveSettle' | 'commitMove' | 'release' }>;
export type DirectOp = Exclude<Op, { kind: 'advance' | 'replay' }>;

function freshAttempt(state: LedgerState, prefix: string): number {
  for (let attempt = 0; attempt < 2; attempt += 1) if (!Object.hasOwn(state.applied, `${prefix}-${attempt}`)) return attempt;
  return 2;
}

/** The next step of one VM's life, chosen from the ledger's state: boot, settle, commit, or give a slot back. */
export function resolveAdvance(state: LedgerState, op: Extract<Op, { kind: 'advance' }>): KeyedOp {
  const slots = Object.hasOwn(state.vms, `vm-${op.vm}`) ? state.vms[`vm-${op.vm}`] : undefined;
  const attemptOf = (id: string) => Number(id.split('-')[2]);
  if (slots?.settle !== undefined) {
    const settled = state.reservations[slots.settle]?.status === 'committed';
    return settled || op.abort
      ? { kind: 'release', slot: 's', vm: op.vm, attempt: attemptOf(slots.settle) }
      : { kind: 'commitMove', vm: op.vm, attempt: attemptOf(slots.settle) };
  }
  if (slots?.boot !== undefined) {
    const queued = state.reservations[slots.boot]?.status === 'queued';
    return queued || op.abort
      ? { kind: 'release', slot: 'b', vm: op.vm, attempt: attemptOf(slots.boot) }
      : { kind: 'reserveSettle', vm: op.vm, attempt: freshAttempt(state, `reserveSettle:s-${op.vm}`), exclude: op.exclude };
  }
  return { kind: 'reserveBoot', vm: op.vm, attempt: freshAttempt(state, `reserveBoot:b-${op.vm}`) };
}

/** Runs one non-replay op; the same op on the same state always builds the same request. */
export function apply(state: LedgerState, scenario: Scenario, op: DirectOp): unknown {
  switch (op.kind) {
    case 'reserveBoot': {
      const vm = scenario.vms[op.vm] as VmProfile;
      const vmId = `vm-${op.vm}`;
      return reserveBoot(state, {
        reservationId: `b-${op.vm}-${op.attempt}`,
        vmId,
        workflowId: `vm/p/s/${vmId}`,
        vcpus: vm.vcpus,
        memoryMiB: vm.memoryMiB,
        ...(vm.group !== undefined && { antiAffinityGroup: vm.group }),
      });
    }
    case 'reserveSettle':
      return reserveSettle(state, { reservationId: `s-${op.vm}-${op.attempt}`, vmId: `vm-${op.vm}`, exclude: op.exclude });
    case 'commitMove':
      return commitMove(state, { reservationId: `s-${op.vm}-${op.attempt}`, vmId: `vm-${op.vm}` });
    case 'release':
      return release(state, { reservationId: `${op.slot}-${op.vm}-${op.attempt}` });
    case 'drainHost':
      return drainHost(state, { host: op.host });
    case 'resync':
      return resyncInventory(state, scenario.alternates[op.inventory % scenario.alternates.length] as Inventory);
    case 'admitQueued':
      return admitQueued(state);
  }
}

export function freshLedger(scenario: Scenario): LedgerState {
  return createLedger(scenario.initial);
}

/** What each host holds, recomputed from the live reservations alone. */
export function recomputeUsage(state: LedgerState): Record<string, HostUsage> {
  const usage: Record<string, HostUsage> = {};
  for (const host of state.hosts) usage[host.name] = { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} };
  for (const r of Object.values(state.reservations)) {
    if (r.host === null) continue;
    const u = usage[r.host];
    if (u === undefined) throw new Error(`reservation ${r.reservationId} is on unknown host ${r.host}`);
    u.vms += 1;
    u.vcpus += r.vcpus;
    u.memoryMiB += r.memoryMiB;
    const group = r.antiAffinityGroup;
    if (group !== undefined) u.groups[group] = (Object.hasOwn(u.groups, group) ? (u.groups[group] as number) : 0) + 1;
  }
  return usage;
}

/** The policy, written independently of domain/usage.ts. */
export function overPolicy(state: LedgerState, name: string, u: HostUsage): boolean {
  const host = findHost(state, name);
  if (host === undefined) return false;
  const groupsShared = Object.values(u.groups).some((n) => n > 1);
  if (u.memoryMiB > host.memoryMiB || groupsShared) return true;
  if (host.pool === 'settle') return u.vcpus > (host.cpuAllocationRatio as number) * host.cpus + 1e-9;
  return u.vms > host.cpus || (state.policy.bootVcpusWithinCpus && u.vcpus > host.cpus);
}
