// The VM stream and the tenants already running when it starts, drawn once per seed and shared by both policies,
// so the two runs differ only in where VMs boot.
import { bootHostCount, type SimParams, type VmShape } from './params';
import { stream, type Random } from './prng';
import { exponential, lognormal, weighted } from './sampling';

export interface SimVm {
  id: number;
  vcpus: number;
  memoryMiB: number;
  /** in steady state it keeps every vCPU busy */
  busy: boolean;
  aloneSeconds: number;
  arrival: number;
}

export interface Tenant {
  vcpus: number;
  memoryMiB: number;
  busy: boolean;
  /** index of the host it runs on, always one of the settle hosts of the bootshift split */
  host: number;
}

export interface Workload {
  vms: SimVm[];
  tenants: Tenant[];
}

function makeVms(params: SimParams): SimVm[] {
  const random = stream(params.seed, 'vms');
  const vms: SimVm[] = [];
  let clock = 0;
  for (let id = 0; id < params.vms; id++) {
    if (params.arrivalRate > 0 && id > 0) clock += exponential(random, 1 / params.arrivalRate);
    const { vcpus, memoryMiB } = weighted(random, params.shapes);
    const busy = random() < params.busyFraction;
    const aloneSeconds = lognormal(random, params.model.aloneSeconds, params.bootCv);
    vms.push({ id, vcpus, memoryMiB, busy, aloneSeconds, arrival: clock });
  }
  return vms;
}

/** Fills one host up to the target, stopping at the first drawn shape that would pass it. */
function fillHost(random: Random, params: SimParams, host: number, tenants: Tenant[]): void {
  const vcpuTarget = params.initialFill * params.cpuAllocationRatio * params.cpusPerHost;
  const memoryTarget = params.initialFill * params.memoryMiBPerHost;
  let vcpus = 0;
  let memoryMiB = 0;
  for (;;) {
    const shape: VmShape = weighted(random, params.shapes);
    const busy = random() < params.busyFraction;
    if (vcpus + shape.vcpus > vcpuTarget || memoryMiB + shape.memoryMiB > memoryTarget) return;
    vcpus += shape.vcpus;
    memoryMiB += shape.memoryMiB;
    tenants.push({ vcpus: shape.vcpus, memoryMiB: shape.memoryMiB, busy, host });
  }
}

export function makeWorkload(params: SimParams): Workload {
  const random = stream(params.seed, 'tenants');
  const tenants: Tenant[] = [];
  for (let host = bootHostCount(params); host < params.hosts; host++) fillHost(random, params, host, tenants);
  return { vms: makeVms(params), tenants };
}
