// Processor-sharing progress of the boots on one host. Rates only change when something on the host changes, so
// between two such events the work done is rate x elapsed time: bring the host up to date before any change, then
// recompute the rates and the next completion after it.
import type { SimHost } from './fleet';
import { threadGroups } from './fleet';
import type { SimParams } from './params';
import { fullThreadRate } from './sharing';

export function advance(host: SimHost, now: number): void {
  const elapsed = now - host.lastAdvance;
  if (elapsed > 0) for (const run of host.booting) run.remaining -= run.rate * elapsed;
  host.lastAdvance = now;
}

/** Sets each booting VM's rate and returns when the next CPU-bound part ends (undefined when none is running). */
export function reschedule(host: SimHost, params: SimParams, now: number): number | undefined {
  host.version += 1;
  const share = fullThreadRate(host.record.cpus, threadGroups(host, params.steadyLoadPerVcpu), params.model.interference);
  let next: number | undefined;
  for (const run of host.booting) {
    run.rate = run.vm.vcpus * share;
    const done = now + Math.max(0, run.remaining) / run.rate;
    if (next === undefined || done < next) next = done;
  }
  return next;
}

/** Rounding leaves a few ULPs of work behind; anything below this much CPU-time is done. */
export const WORK_EPSILON = 1e-7;
