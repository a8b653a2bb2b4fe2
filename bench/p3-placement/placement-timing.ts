// Decision time of the placement policy at fleet scale: a ledger of 10,000 hosts holding 100,000 VMs, built with
// the domain's own transitions (reserveBoot → reserveSettle → commitMove for most VMs; the rest still booting), then
// pickBootHost / pickSettleHost timed one call at a time for requests of mixed shapes.
import { parseInventory, pickBootHost, pickSettleHost } from '../../domain';
import { commitMove, createLedger, reserveBoot, reserveSettle, type LedgerState } from '../../simulator/ledger';
import { percentile, round } from '../stats';

export const PLACEMENT_GOAL_P99_MS = 1;

export interface Timing {
  calls: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export interface PlacementTiming {
  hosts: number;
  bootHosts: number;
  vms: number;
  settled: number;
  buildSeconds: number;
  boot: Timing;
  settle: Timing;
  goalP99Ms: number;
  met: boolean;
}

const SHAPES = [
  { vcpus: 1, memoryMiB: 2048 },
  { vcpus: 2, memoryMiB: 4096 },
  { vcpus: 4, memoryMiB: 8192 },
];
const shape = (i: number) => SHAPES[i % SHAPES.length] as (typeof SHAPES)[number];

function fleet(hosts: number, bootHosts: number): LedgerState {
  const host = (i: number) => {
    const pool = i < bootHosts ? 'boot' : 'settle';
    return { name: `${pool}-${i}`, uri: `test:///simulated/placement/${pool}-${i}`, cpus: 16, memoryMiB: 262144, pool };
  };
  return createLedger(parseInventory({ fleet: 'placement', hosts: Array.from({ length: hosts }, (_, i) => host(i)) }));
}

/** Every VM but the last `booting` ones is settled; those hold boot slots, as in a fleet mid-way through boots. */
function populate(state: LedgerState, vms: number, booting: number): number {
  let settled = 0;
  for (let i = 0; i < vms; i += 1) {
    const vmId = `vm-${i}`;
    const boot = reserveBoot(state, { reservationId: `b-${i}`, vmId, workflowId: vmId, ...shape(i) });
    if (boot.status !== 'reserved') throw new Error(`vm ${i}: boot slot ${boot.status}`);
    if (i >= vms - booting) continue;
    if (reserveSettle(state, { reservationId: `s-${i}`, vmId }).status !== 'reserved') throw new Error(`vm ${i}: no settle room`);
    commitMove(state, { vmId, reservationId: `s-${i}` });
    settled += 1;
  }
  return settled;
}

function time(calls: number, decide: (i: number) => string | undefined): Timing {
  for (let i = 0; i < 500; i += 1) decide(i); // JIT warm-up
  const us: number[] = [];
  for (let i = 0; i < calls; i += 1) {
    const start = process.hrtime.bigint();
    if (decide(i) === undefined) throw new Error('placement found no host');
    us.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return { calls, p50Us: round(percentile(us, 0.5), 1), p99Us: round(percentile(us, 0.99), 1), maxUs: round(Math.max(...us), 1) };
}

export function measurePlacement(hosts = 10_000, vms = 100_000, calls = 10_000): PlacementTiming {
  const bootHosts = hosts / 10;
  const started = performance.now();
  const state = fleet(hosts, bootHosts);
  const settled = populate(state, vms, 2_000);
  const buildSeconds = round((performance.now() - started) / 1000, 1);
  const boot = time(calls, (i) => pickBootHost(state.hosts, state.policy, shape(i)));
  const settle = time(calls, (i) => pickSettleHost(state.hosts, state.policy, { ...shape(i), exclude: [] }));
  const goalUs = PLACEMENT_GOAL_P99_MS * 1000;
  return { hosts, bootHosts, vms, settled, buildSeconds, boot, settle, goalP99Ms: PLACEMENT_GOAL_P99_MS, met: boot.p99Us <= goalUs && settle.p99Us <= goalUs };
}
