// Boot times on hand-computed tiny cases: the engine must reproduce what processor sharing predicts on paper.
import { calibrate } from '../../../simulator/calibration';
import { simulate } from '../../../simulator/engine';
import type { SimParams } from '../../../simulator/params';
import type { SimVm, Tenant } from '../../../simulator/workload';
import { busyTenants, tinyParams, vm, workload } from './fixtures';

function bootTimes(params: SimParams, vms: SimVm[], tenants: Tenant[] = []): number[] {
  const { runs } = simulate({ params, policy: 'in-place', workload: workload(vms, tenants) });
  return runs.map((run) => (run.bootDone ?? NaN) - run.vm.arrival);
}

describe('processor sharing', () => {
  it('boots one VM alone in its alone time', () => {
    expect(bootTimes(tinyParams(), [vm(0)])).toEqual([10]);
  });

  it('takes twice as long for 2 VMs booting on 1 CPU', () => {
    const [a, b] = bootTimes(tinyParams(), [vm(0), vm(1)]);
    expect(a).toBeCloseTo(20);
    expect(b).toBeCloseTo(20);
  });

  it('re-shares when a boot joins halfway', () => {
    // A alone for 5 s (5 left), then both at half speed: A ends at 15; B did 5 by then, ends alone at 20,
    // 15 s after its request.
    const [a, b] = bootTimes(tinyParams(), [vm(0), vm(1, { arrival: 5 })]);
    expect(a).toBeCloseTo(15);
    expect(b).toBeCloseTo(15);
  });

  it("charges a booted VM's steady load to the boots still running beside it", () => {
    // As above, but from 15 A keeps 0.1 CPU busy: B's last 5 CPU-seconds run at 0.9 and end at 15 + 5 / 0.9.
    const [, b] = bootTimes(tinyParams({ steadyLoadPerVcpu: 0.1 }), [vm(0), vm(1, { arrival: 5 })]);
    expect(b).toBeCloseTo(10 + 5 / 0.9);
  });

  it('gives a 2-vCPU boot its two CPUs, and halves both on 2 CPUs shared with 2 busy threads', () => {
    const params = tinyParams({ cpusPerHost: 2 });
    expect(bootTimes(params, [vm(0, { vcpus: 2 })])).toEqual([10]);
    expect(bootTimes(params, [vm(0, { vcpus: 2 })], busyTenants(2))[0]).toBeCloseTo(20);
  });

  it('does not slow the waiting part of a boot', () => {
    const params = tinyParams({ model: { aloneSeconds: 10, cpuFraction: 0.5, interference: 0 } });
    // CPU parts (5 s each alone) share 1 CPU and end at 10; the 5 s waits follow.
    expect(bootTimes(params, [vm(0), vm(1)])).toEqual([15, 15]);
  });

  it.each([
    ['interference', { aloneSeconds: 30, packedSeconds: 150, packedLoadPerCpu: 4, hostCpus: 16, bootVcpus: 1 }],
    ['partly CPU-bound', { aloneSeconds: 10, packedSeconds: 25, packedLoadPerCpu: 4, hostCpus: 2, bootVcpus: 1 }],
  ])('reproduces the calibration measurement it was built from (%s)', (_, measured) => {
    const model = calibrate(measured);
    const params = tinyParams({ cpusPerHost: measured.hostCpus, cpuAllocationRatio: 8, model });
    const tenants = busyTenants(measured.packedLoadPerCpu * measured.hostCpus);
    expect(bootTimes(params, [vm(0, { aloneSeconds: measured.aloneSeconds })], tenants)[0]).toBeCloseTo(measured.packedSeconds);
  });
});
