import fc from 'fast-check';
import { calibrate, predictedSlowdown } from '../../../simulator/calibration';
import { effectiveCpus, fullThreadRate } from '../../../simulator/sharing';

describe('fullThreadRate', () => {
  it('gives every thread a whole CPU while demand fits', () => {
    expect(fullThreadRate(4, [{ count: 4, demand: 1 }], 0)).toBe(1);
    expect(fullThreadRate(4, [{ count: 3, demand: 1 }, { count: 10, demand: 0.1 }], 0)).toBe(1);
  });

  it('splits evenly among full threads: 2 on 1 CPU get half each', () => {
    expect(fullThreadRate(1, [{ count: 2, demand: 1 }], 0)).toBe(0.5);
  });

  it('lets light threads keep what they ask and splits the rest (max-min fairness)', () => {
    // 2 CPUs: 10 light threads take 10 x 0.1 = 1 CPU, the 2 full threads share the other CPU.
    expect(fullThreadRate(2, [{ count: 2, demand: 1 }, { count: 10, demand: 0.1 }], 0)).toBeCloseTo(0.5);
  });

  it('loses capacity to interference only when overloaded', () => {
    expect(effectiveCpus(16, 16, 0.5)).toBe(16);
    expect(effectiveCpus(16, 32, 0.5)).toBeCloseTo(16 / 1.5);
    expect(fullThreadRate(1, [{ count: 2, demand: 1 }], 0.5)).toBeCloseTo(1 / 3);
  });

  it('never hands out more than the host delivers', () => {
    const group = fc.record({ count: fc.integer({ min: 0, max: 40 }), demand: fc.double({ min: 0.01, max: 1, noNaN: true }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.array(group, { maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), (cpus, groups, k) => {
        const level = fullThreadRate(cpus, groups, k);
        const demand = groups.reduce((s, g) => s + g.count * g.demand, 0);
        const used = groups.reduce((s, g) => s + g.count * Math.min(g.demand, level), 0);
        expect(level).toBeGreaterThan(0);
        expect(level).toBeLessThanOrEqual(1);
        expect(used).toBeLessThanOrEqual(effectiveCpus(cpus, demand, k) + 1e-9);
      }),
    );
  });
});

describe('calibrate', () => {
  it('puts a slowdown above the load factor into interference', () => {
    const model = calibrate({ aloneSeconds: 30, packedSeconds: 150, packedLoadPerCpu: 4 });
    expect(model).toMatchObject({ aloneSeconds: 30, cpuFraction: 1 });
    expect(model.interference).toBeGreaterThan(0);
    expect(predictedSlowdown(model, 4 + 1 / 16)).toBeCloseTo(5);
  });

  it('puts a slowdown below the load factor into the share of the boot that waits', () => {
    const model = calibrate({ aloneSeconds: 10, packedSeconds: 25, packedLoadPerCpu: 4, hostCpus: 2, bootVcpus: 1 });
    expect(model.interference).toBe(0);
    expect(model.cpuFraction).toBeCloseTo(1.5 / 3.5);
    expect(predictedSlowdown(model, 4.5, 2)).toBeCloseTo(2.5);
  });

  it('rejects measurements it cannot explain', () => {
    expect(() => calibrate({ aloneSeconds: 10, packedSeconds: 5, packedLoadPerCpu: 4 })).toThrow(/aloneSeconds/);
    expect(() => calibrate({ aloneSeconds: 10, packedSeconds: 20, packedLoadPerCpu: 0.5 })).toThrow(/overloaded/);
  });
});
