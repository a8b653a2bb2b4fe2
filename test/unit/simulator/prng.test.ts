import fc from 'fast-check';
import { mulberry32, stream } from '../../../simulator/prng';
import { lognormal, weighted } from '../../../simulator/sampling';

const draw = (random: () => number, n: number) => Array.from({ length: n }, random);

describe('prng', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const values = draw(mulberry32(seed), 50);
        expect(draw(mulberry32(seed), 50)).toEqual(values);
        expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
      }),
    );
  });

  it('gives independent streams per label and per seed', () => {
    expect(draw(stream(1, 'vms'), 5)).not.toEqual(draw(stream(1, 'tenants'), 5));
    expect(draw(stream(1, 'vms'), 5)).not.toEqual(draw(stream(2, 'vms'), 5));
  });

  it('draws lognormal boot times around the requested mean', () => {
    const random = mulberry32(7);
    const samples = Array.from({ length: 20_000 }, () => lognormal(random, 30, 0.2));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(29.5);
    expect(mean).toBeLessThan(30.5);
    expect(Math.min(...samples)).toBeGreaterThan(0);
  });

  it('picks weighted items in proportion', () => {
    const random = mulberry32(3);
    const items = [{ weight: 3, name: 'a' }, { weight: 1, name: 'b' }];
    const share = Array.from({ length: 10_000 }, () => weighted(random, items).name).filter((n) => n === 'a').length;
    expect(share / 10_000).toBeCloseTo(0.75, 1);
  });
});
