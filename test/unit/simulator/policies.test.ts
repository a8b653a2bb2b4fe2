// Whole runs of both policies: reproducible from the seed, never breaking the capacity policy at any event, every
// VM settled exactly once, and no difference between the policies when nothing contends.
import fc from 'fast-check';
import { withinPolicy } from '../../../domain';
import { compare } from '../../../simulator/compare';
import { simulate, type Observation } from '../../../simulator/engine';
import { DEFAULT_PARAMS, type SimParams } from '../../../simulator/params';
import { POLICIES } from '../../../simulator/policies';
import { makeWorkload } from '../../../simulator/workload';

const smallFleet = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  hosts: fc.integer({ min: 2, max: 12 }),
  cpusPerHost: fc.integer({ min: 4, max: 16 }),
  bootFraction: fc.constantFrom(0.1, 0.25, 0.5),
  cpuAllocationRatio: fc.constantFrom(1.5, 4),
  bootVcpusWithinCpus: fc.boolean(),
  vms: fc.integer({ min: 1, max: 80 }),
  arrivalRate: fc.constantFrom(0, 0.5, 5),
  initialFill: fc.constantFrom(0, 0.3, 0.9),
  memoryMiBPerHost: fc.constantFrom(16 * 1024, 64 * 1024),
});

function paramsOf(fleet: Partial<SimParams>): SimParams {
  return { ...DEFAULT_PARAMS, ...fleet };
}

describe('simulation', () => {
  it('gives the same figures for the same seed, and others for another seed', () => {
    const params = { ...DEFAULT_PARAMS, hosts: 20, vms: 200 };
    expect(compare(params)).toEqual(compare(params));
    expect(compare({ ...params, seed: 2 }).results[0]?.bootP50).not.toBe(compare(params).results[0]?.bootP50);
  });

  it('keeps every host within its policy at every event, and settles each VM at most once', () => {
    fc.assert(
      fc.property(smallFleet, fc.constantFrom(...POLICIES), (fleet, policy) => {
        const params = paramsOf(fleet);
        const settled = new Map<number, number>();
        const fleetPolicy = { bootVcpusWithinCpus: params.bootVcpusWithinCpus };
        const observe = ({ kind, vm, hosts }: Observation) => {
          for (const host of hosts) {
            if (!withinPolicy(host, fleetPolicy)) throw new Error(`${host.name} over its policy after ${kind} of vm ${vm.id}`);
            if (host.pool === 'boot' && host.usage.vms > host.cpus) throw new Error(`${host.name} oversubscribed`);
          }
          if (kind === 'settled') settled.set(vm.id, (settled.get(vm.id) ?? 0) + 1);
        };
        const { runs } = simulate({ params, policy, workload: makeWorkload(params), observe });
        for (const run of runs) expect(settled.get(run.vm.id) ?? 0).toBe(run.phase === 'settled' ? 1 : 0);
      }),
      { numRuns: 60 },
    );
  });

  it('settles every VM exactly once when the fleet has room for all', () => {
    fc.assert(
      fc.property(smallFleet, fc.constantFrom(...POLICIES), (fleet, policy) => {
        // Each settle host takes two of the largest VMs (4 vCPUs, 8 GiB) within ratio 4 and 16 GiB.
        const settleHosts = fleet.hosts - Math.round(fleet.hosts * 0.5);
        const params = paramsOf({ ...fleet, initialFill: 0, cpuAllocationRatio: 4, bootFraction: 0.5, vms: settleHosts * 2 });
        const settledAt = new Map<number, number[]>();
        const observe = ({ kind, vm, at }: Observation) => {
          if (kind === 'settled') settledAt.set(vm.id, [...(settledAt.get(vm.id) ?? []), at]);
        };
        const { runs } = simulate({ params, policy, workload: makeWorkload(params), observe });
        expect(runs.every((run) => run.phase === 'settled')).toBe(true);
        expect(runs.every((run) => settledAt.get(run.vm.id)?.length === 1)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('gives both policies the same boot times when nothing contends and nothing queues', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(0, 0.2, 2), (seed, arrivalRate) => {
        // 10 boot hosts of 16 CPUs hold 30 VMs of at most 4 vCPUs at once; at ratio 1 no dense host is overloaded.
        const params = paramsOf({ seed, arrivalRate, hosts: 20, bootFraction: 0.5, cpuAllocationRatio: 1, vms: 30, initialFill: 0.5 });
        const [inPlace, bootshift] = compare(params).results;
        expect(bootshift?.peakQueue).toBe(0);
        expect(inPlace?.meanInflation).toBeCloseTo(1, 9);
        expect(bootshift?.bootTimes.length).toBe(30);
        bootshift?.bootTimes.forEach((t, i) => expect(t).toBeCloseTo(inPlace?.bootTimes[i] ?? NaN, 9));
      }),
      { numRuns: 20 },
    );
  });

  it('never inflates a boot on the boot pool, and reports the queue instead', () => {
    const [inPlace, bootshift] = compare({ ...DEFAULT_PARAMS, hosts: 20, vms: 300 }).results;
    expect(bootshift?.meanInflation).toBeCloseTo(1, 9);
    expect(bootshift?.peakQueue).toBeGreaterThan(0);
    expect(inPlace?.meanInflation).toBeGreaterThan(1.5);
  });
});
