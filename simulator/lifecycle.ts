// What happens to a VM at each event: admitted from the boot queue, CPU-bound part of the boot done, boot
// complete (stay, or reserve a settle slot and start migrating), migration done (boot slot freed, queue admitted).
import { pickSettleHost } from '../domain';
import { addSteady, reserve, type SimHost, type VmRun } from './fleet';
import { bootHostFor } from './policies';
import { WORK_EPSILON, advance } from './progress';
import { hostNamed, migrationSeconds, observe, rescheduleHost, schedule, type SimState } from './sim-state';

function hostOf(run: VmRun, which: 'host' | 'target' = 'host'): SimHost {
  const host = run[which];
  if (host === undefined) throw new Error(`sim invariant: vm ${run.vm.id} has no ${which}`);
  return host;
}

export function admit(sim: SimState): void {
  for (let run = sim.queue[sim.queueHead]; run !== undefined; run = sim.queue[sim.queueHead]) {
    const name = bootHostFor(sim.input.policy, sim.records, sim.fleetPolicy, run.vm);
    if (name === undefined) break;
    sim.queueHead += 1;
    startBoot(sim, run, hostNamed(sim, name));
  }
  sim.peakQueue = Math.max(sim.peakQueue, sim.queue.length - sim.queueHead);
}

function startBoot(sim: SimState, run: VmRun, host: SimHost): void {
  advance(host, sim.now);
  reserve(host, run.vm, 1);
  run.phase = 'cpu';
  run.host = host;
  run.bootStart = sim.now;
  run.remaining = sim.input.params.model.cpuFraction * run.vm.aloneSeconds * run.vm.vcpus;
  host.booting.add(run);
  observe(sim, 'boot-start', run.vm);
  rescheduleHost(sim, host);
}

export function cpuDone(sim: SimState, host: SimHost, version: number): void {
  if (version !== host.version) return;
  advance(host, sim.now);
  for (const run of host.booting) {
    if (run.remaining > WORK_EPSILON) continue;
    host.booting.delete(run);
    run.phase = 'wait';
    const waiting = (1 - sim.input.params.model.cpuFraction) * run.vm.aloneSeconds;
    schedule(sim, sim.now + waiting, { kind: 'boot-done', run });
  }
  rescheduleHost(sim, host);
}

export function bootDone(sim: SimState, run: VmRun): void {
  const host = hostOf(run);
  run.bootDone = sim.now;
  advance(host, sim.now);
  addSteady(host, run.vm, 1);
  rescheduleHost(sim, host);
  if (sim.input.policy === 'in-place') {
    observe(sim, 'boot-done', run.vm);
    settle(sim, run);
    return;
  }
  const name = pickSettleHost(sim.records, sim.fleetPolicy, run.vm);
  if (name === undefined) {
    run.phase = 'stranded';
    observe(sim, 'stranded', run.vm);
    return;
  }
  run.target = hostNamed(sim, name);
  reserve(run.target, run.vm, 1);
  run.phase = 'migrating';
  observe(sim, 'boot-done', run.vm);
  schedule(sim, sim.now + migrationSeconds(sim.input.params, run.vm), { kind: 'migrated', run });
}

/** The VM ran on its boot host until the switch-over; now its threads and its boot slot leave that host. */
export function migrated(sim: SimState, run: VmRun): void {
  const [source, target] = [hostOf(run), hostOf(run, 'target')];
  for (const [host, sign] of [[source, -1], [target, 1]] as const) {
    advance(host, sim.now);
    if (sign < 0) reserve(host, run.vm, sign);
    addSteady(host, run.vm, sign);
    rescheduleHost(sim, host);
  }
  run.host = target;
  delete run.target;
  settle(sim, run);
  admit(sim);
}

function settle(sim: SimState, run: VmRun): void {
  run.phase = 'settled';
  run.settled = sim.now;
  observe(sim, 'settled', run.vm);
}
