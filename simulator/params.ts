// Everything a run depends on, in one object, so a results table can state exactly what produced it.
import { DEFAULT_CALIBRATION, calibrate, type InflationModel } from './calibration';

export interface VmShape {
  vcpus: number;
  memoryMiB: number;
  weight: number;
}

export interface SimParams {
  seed: number;
  hosts: number;
  cpusPerHost: number;
  memoryMiBPerHost: number;
  /** share of the hosts in the boot pool under the bootshift policy (in place, every host is dense) */
  bootFraction: number;
  cpuAllocationRatio: number;
  /** boot hosts also keep the sum of vCPUs within their CPUs, not only the VM count */
  bootVcpusWithinCpus: boolean;
  vms: number;
  /** boot requests per second (Poisson); 0 = a storm, all at once */
  arrivalRate: number;
  shapes: readonly VmShape[];
  model: InflationModel;
  /** coefficient of variation of a VM's alone boot time around model.aloneSeconds */
  bootCv: number;
  /** settled VMs that keep every vCPU busy; the others load each vCPU by steadyLoadPerVcpu */
  busyFraction: number;
  steadyLoadPerVcpu: number;
  /** dense capacity (vCPUs) of the settle hosts already taken by running tenants when the storm starts */
  initialFill: number;
  migrationMiBps: number;
  migrationOverheadSeconds: number;
}

export const DEFAULT_SHAPES: readonly VmShape[] = [
  { vcpus: 1, memoryMiB: 2048, weight: 0.5 },
  { vcpus: 2, memoryMiB: 4096, weight: 0.3 },
  { vcpus: 4, memoryMiB: 8192, weight: 0.2 },
];

export const DEFAULT_PARAMS: SimParams = {
  seed: 1,
  hosts: 100,
  cpusPerHost: 16,
  memoryMiBPerHost: 256 * 1024,
  bootFraction: 0.1,
  cpuAllocationRatio: 4,
  bootVcpusWithinCpus: true,
  vms: 1000,
  arrivalRate: 0,
  shapes: DEFAULT_SHAPES,
  model: calibrate(DEFAULT_CALIBRATION),
  bootCv: 0.2,
  busyFraction: 0.1,
  steadyLoadPerVcpu: 0.1,
  initialFill: 0.5,
  // ~10 Gbit/s of usable migration bandwidth, plus set-up and switch-over
  migrationMiBps: 1100,
  migrationOverheadSeconds: 2,
};

export function bootHostCount(params: SimParams): number {
  return Math.round(params.hosts * params.bootFraction);
}
