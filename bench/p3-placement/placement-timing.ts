// Decision time of the placement policy at fleet scale: the in-memory ledger of 10,000 hosts holding 100,000 VMs,
// built with the domain's own transitions (fleet.ts), then pickBootHost / pickSettleHost timed one call at a time for
// requests of mixed shapes.
import { pickBootHost, pickSettleHost } from '../../domain';
import { percentile, round } from '../stats';
import { bootHostsOf, fleetState, shapeOf } from './fleet';

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

export function measurePlacement(hosts: number, vms: number, calls = 10_000): PlacementTiming {
  const started = performance.now();
  const { state, settled } = fleetState('placement', hosts, vms);
  const buildSeconds = round((performance.now() - started) / 1000, 1);
  const boot = time(calls, (i) => pickBootHost(state.hosts, state.policy, shapeOf(i)));
  const settle = time(calls, (i) => pickSettleHost(state.hosts, state.policy, { ...shapeOf(i), exclude: [] }));
  const goalUs = PLACEMENT_GOAL_P99_MS * 1000;
  return { hosts, bootHosts: bootHostsOf(hosts), vms, settled, buildSeconds, boot, settle, goalP99Ms: PLACEMENT_GOAL_P99_MS, met: boot.p99Us <= goalUs && settle.p99Us <= goalUs };
}
