// The few distributions the workload needs, drawn from a seeded stream (Math.random would break reproducibility).
import type { Random } from './prng';

/** Positive, right-skewed, with the given mean and coefficient of variation: the usual shape of boot times. */
export function lognormal(random: Random, mean: number, cv: number): number {
  const sigma2 = Math.log(1 + cv * cv);
  const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * z);
}

/** Gaps of a Poisson arrival process. */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

export function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let left = random() * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error('weighted: no items to pick from');
  return last;
}
