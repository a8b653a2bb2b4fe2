// Turns one lab measurement (P4: a guest booting alone vs on a host packed with busy guests) into the two knobs of
// the inflation model. A boot is a CPU-bound part, slowed by sharing, plus a part spent waiting (I/O, timers,
// DHCP) that is not. A measured slowdown below the plain load factor means part of the boot was not CPU-bound; one
// above it means the overloaded host lost capacity (interference). One measurement identifies one knob, so the
// other is pinned at its neutral value.
import { effectiveCpus } from './sharing';

export interface Calibration {
  aloneSeconds: number;
  packedSeconds: number;
  /** runnable vCPUs of the busy guests per physical CPU during the packed boot (e.g. 4 at ratio 4, all busy) */
  packedLoadPerCpu: number;
  /** physical CPUs of the measured host (default 16) */
  hostCpus?: number;
  /** vCPUs of the booting guest (default 1) */
  bootVcpus?: number;
}

export interface InflationModel {
  /** mean boot time of a VM alone on an idle host */
  aloneSeconds: number;
  /** share of the alone boot time that is CPU-bound (0..1] */
  cpuFraction: number;
  /** capacity lost per unit of overload: an x-times overloaded host delivers cpus / (1 + interference (x - 1)) */
  interference: number;
}

/** A guess from the literature's "2-13x": a boot on a host of 16 CPUs packed at 4 busy vCPUs per CPU is 5x slower. */
export const DEFAULT_CALIBRATION: Calibration = { aloneSeconds: 30, packedSeconds: 150, packedLoadPerCpu: 4 };

export function calibrate(measured: Calibration): InflationModel {
  const { aloneSeconds, packedSeconds, packedLoadPerCpu, hostCpus = 16, bootVcpus = 1 } = measured;
  const load = packedLoadPerCpu + bootVcpus / hostCpus;
  const slowdown = packedSeconds / aloneSeconds;
  if (!(aloneSeconds > 0) || !(slowdown >= 1)) throw new Error('calibrate: need 0 < aloneSeconds <= packedSeconds');
  if (!(load > 1)) throw new Error('calibrate: the packed host must be overloaded (packedLoadPerCpu + bootVcpus/hostCpus > 1)');
  if (slowdown <= load) return { aloneSeconds, cpuFraction: (slowdown - 1) / (load - 1), interference: 0 };
  return { aloneSeconds, cpuFraction: 1, interference: (slowdown / load - 1) / (load - 1) };
}

/** The slowdown the model predicts for a boot on a host whose busy threads (boot included) are `load` per CPU. */
export function predictedSlowdown(model: InflationModel, load: number, cpus = 16): number {
  const cpuSlowdown = Math.max(1, (load * cpus) / effectiveCpus(cpus, load * cpus, model.interference));
  return 1 - model.cpuFraction + model.cpuFraction * cpuSlowdown;
}
