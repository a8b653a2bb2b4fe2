// Property tests of the fleet ledger over random fleets and random operation sequences (including resyncs that
// shrink or remove hosts, and replays of earlier requests), checked against a model kept by the test itself.
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { findHost, release, type AdmittedBoot, type LedgerState, type Reservation } from '../../../simulator/ledger';
import {
  apply,
  freshLedger,
  overPolicy,
  recomputeUsage,
  resolveAdvance,
  scenarioArb,
  type DirectOp,
  type KeyedOp,
  type Op,
  type Scenario,
} from './ledger-model';

const clone = (state: LedgerState): LedgerState => structuredClone(state);

/** Strict deep equality (no undefined-valued keys either); jest's slower matcher only runs to explain a failure. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}
const RUNS = { numRuns: 200 };

interface Model {
  queue: string[];
  created: Set<string>;
  ended: Map<string, number>;
  committed: Map<string, number>;
  history: { op: KeyedOp; result: unknown }[];
  previous?: DirectOp;
}

function checkCounters(state: LedgerState): void {
  const usage = recomputeUsage(state);
  for (const host of state.hosts) same(host.usage, usage[host.name]);
  same(Object.keys(state.hostIndex).length, state.hosts.length);
  state.hosts.forEach((host, index) => same(state.hostIndex[host.name], index));
}

function checkPolicy(before: LedgerState, after: LedgerState): void {
  const was = recomputeUsage(before);
  for (const [name, u] of Object.entries(recomputeUsage(after))) {
    if (!overPolicy(after, name, u)) continue;
    // Only a resync that shrinks a host may leave it over policy, and then nothing may be added to it.
    const old = was[name] ?? { vms: 0, vcpus: 0, memoryMiB: 0 };
    if (u.vms > old.vms || u.vcpus > old.vcpus || u.memoryMiB > old.memoryMiB) same({ [name]: u }, { [name]: old });
  }
  for (const r of Object.values(after.reservations)) {
    const placedNow = r.host !== null && before.reservations[r.reservationId]?.host == null;
    const host = placedNow ? findHost(after, r.host as string) : undefined;
    if (placedNow && (host?.state !== 'active' || host.pool !== r.kind)) same({ state: host?.state, pool: host?.pool }, { state: 'active', pool: r.kind });
  }
}

function checkLifecycle(model: Model, before: LedgerState, after: LedgerState): void {
  for (const id of Object.keys(before.reservations)) {
    if (!Object.hasOwn(after.reservations, id)) model.ended.set(id, (model.ended.get(id) ?? 0) + 1);
  }
  for (const [id, r] of Object.entries(after.reservations)) {
    if (!Object.hasOwn(before.reservations, id)) {
      if (model.created.has(id)) same(`${id} created again`, `${id} created once`);
      model.created.add(id);
    }
    if (r.status === 'committed' && before.reservations[id]?.status !== 'committed') {
      model.committed.set(id, (model.committed.get(id) ?? 0) + 1);
    }
  }
  for (const [id, count] of [...model.ended, ...model.committed]) if (count !== 1) same({ [id]: count }, { [id]: 1 });
}

function checkQueue(model: Model, op: DirectOp, result: unknown, before: LedgerState, after: LedgerState): void {
  const id = op.kind === 'reserveBoot' ? `b-${op.vm}-${op.attempt}` : '';
  if (op.kind === 'reserveBoot' && !Object.hasOwn(before.applied, `reserveBoot:${id}`)) {
    const r = result as { status: string; position?: number };
    if (r.status === 'reserved') same(model.queue, []);
    if (r.status === 'queued') {
      model.queue.push(id);
      same(r.position, model.queue.length);
    }
  }
  if (op.kind === 'admitQueued') {
    const admitted = (result as AdmittedBoot[]).map((a) => a.reservationId);
    same(admitted, model.queue.slice(0, admitted.length));
  }
  model.queue = model.queue.filter((id) => after.reservations[id]?.status === 'queued');
  same(after.queue, model.queue);
}

function replay(state: LedgerState, scenario: Scenario, model: Model, pick: number): void {
  const before = clone(state);
  const earlier = model.history[pick % Math.max(model.history.length, 1)];
  if (earlier !== undefined) {
    same(apply(state, scenario, earlier.op), earlier.result);
  } else if (model.previous !== undefined) {
    apply(state, scenario, model.previous);
  }
  same(state, before);
}

function step(state: LedgerState, scenario: Scenario, model: Model, next: Op): void {
  if (next.kind === 'replay') {
    replay(state, scenario, model, next.pick);
    return;
  }
  const op = next.kind === 'advance' ? resolveAdvance(state, next) : next;
  const before = clone(state);
  const result = apply(state, scenario, op);
  if (op.kind !== 'drainHost' && op.kind !== 'resync' && op.kind !== 'admitQueued') model.history.push({ op, result });
  checkCounters(state);
  checkPolicy(before, state);
  checkLifecycle(model, before, state);
  checkQueue(model, op, result, before, state);
  const firstCommit = op.kind === 'commitMove' && !Object.hasOwn(before.applied, `commitMove:s-${op.vm}-${op.attempt}`);
  if (firstCommit && (result as { status: string }).status === 'committed') {
    same(state.vms[`vm-${op.vm}`]?.boot, undefined);
  }
  if (op.kind === 'admitQueued' || op.kind === 'drainHost' || op.kind === 'resync') {
    // Non-keyed requests are idempotent when repeated at once.
    const settled = clone(state);
    const again = apply(state, scenario, op);
    same(state, settled);
    if (op.kind === 'admitQueued') same(again, []);
  }
  model.previous = op;
}

function run(scenario: Scenario): { state: LedgerState; model: Model } {
  const state = freshLedger(scenario);
  const model: Model = { queue: [], created: new Set(), ended: new Map(), committed: new Map(), history: [] };
  for (const op of scenario.ops) step(state, scenario, model, op);
  return { state, model };
}

describe('fleet ledger properties', () => {
  it('keeps counters exact, hosts within policy, the queue FIFO, and replays inert', () => {
    fc.assert(fc.property(scenarioArb, (scenario) => void run(scenario)), RUNS);
  });

  it('ends every reservation exactly once and loses none', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { state, model } = run(scenario);
        for (const id of Object.keys(state.reservations)) {
          const before = clone(state);
          expect(release(state, { reservationId: id })).toEqual({ status: 'released' });
          checkLifecycle(model, before, state);
        }
        expect([...model.created].sort()).toEqual([...model.ended.keys()].sort());
        expect(state.queue).toEqual([]);
        expect(state.vms).toEqual({});
        for (const host of state.hosts) expect(host.usage).toEqual({ vms: 0, vcpus: 0, memoryMiB: 0, groups: {} });
      }),
      RUNS,
    );
  });

  it('is deterministic and plain JSON', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const a = run(scenario);
        const b = run(scenario);
        same(b.state, a.state);
        same(b.model.history, a.model.history);
        expect(JSON.parse(JSON.stringify(a.state))).toStrictEqual(a.state);
      }),
      RUNS,
    );
  });

  it('holds at most one boot and one settle reservation per VM', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { state } = run(scenario);
        const slots = new Map<string, Reservation[]>();
        for (const r of Object.values(state.reservations)) slots.set(`${r.vmId}/${r.kind}`, [...(slots.get(`${r.vmId}/${r.kind}`) ?? []), r]);
        for (const held of slots.values()) expect(held).toHaveLength(1);
        for (const [vmId, vm] of Object.entries(state.vms)) {
          if (vm.boot !== undefined) expect(state.reservations[vm.boot]).toMatchObject({ vmId, kind: 'boot' });
          if (vm.settle !== undefined) expect(state.reservations[vm.settle]).toMatchObject({ vmId, kind: 'settle' });
        }
      }),
      RUNS,
    );
  });
});
