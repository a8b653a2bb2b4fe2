// Small fleets and hand-made workloads, so each test states only the numbers it is about.
import type { SimParams } from '../../../simulator/params';
import { DEFAULT_PARAMS } from '../../../simulator/params';
import type { SimVm, Tenant, Workload } from '../../../simulator/workload';

/** One host, plain processor sharing (no interference, all CPU-bound), idle settled VMs, no tenants, no jitter. */
export function tinyParams(overrides: Partial<SimParams> = {}): SimParams {
  return {
    ...DEFAULT_PARAMS,
    hosts: 1,
    cpusPerHost: 1,
    bootFraction: 0,
    cpuAllocationRatio: 8,
    initialFill: 0,
    steadyLoadPerVcpu: 0,
    bootCv: 0,
    model: { aloneSeconds: 10, cpuFraction: 1, interference: 0 },
    ...overrides,
  };
}

export function vm(id: number, fields: Partial<SimVm> = {}): SimVm {
  return { id, vcpus: 1, memoryMiB: 1024, busy: false, aloneSeconds: 10, arrival: 0, ...fields };
}

export function workload(vms: SimVm[], tenants: Tenant[] = []): Workload {
  return { vms, tenants };
}

export function busyTenants(count: number, host = 0): Tenant[] {
  return Array.from({ length: count }, () => ({ vcpus: 1, memoryMiB: 256, busy: true, host }));
}
