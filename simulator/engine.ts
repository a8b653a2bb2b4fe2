// The discrete-event loop. Events: a boot request arrives, the CPU-bound part of a boot ends (a processor-sharing
// completion on a host), a boot completes, a migration completes. No wall clock, no Math.random: the same input
// gives the same run.
import type { SimHost, VmRun } from './fleet';
import { admit, bootDone, cpuDone, migrated } from './lifecycle';
import type { PolicyName } from './policies';
import { createState, type SimulateInput } from './sim-state';

export type { Observation, SimulateInput } from './sim-state';

export interface SimOutcome {
  policy: PolicyName;
  runs: VmRun[];
  hosts: SimHost[];
  peakQueue: number;
}

export function simulate(input: SimulateInput): SimOutcome {
  const sim = createState(input);
  for (let event = sim.events.pop(); event !== undefined; event = sim.events.pop()) {
    sim.now = event.at;
    if (event.kind === 'cpu-done') cpuDone(sim, event.host, event.version);
    else if (event.kind === 'boot-done') bootDone(sim, event.run);
    else if (event.kind === 'migrated') migrated(sim, event.run);
    else {
      sim.queue.push(event.run);
      admit(sim);
    }
  }
  return { policy: input.policy, runs: sim.runs, hosts: sim.hosts, peakQueue: sim.peakQueue };
}
