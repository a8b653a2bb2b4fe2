// The few statistics the benchmarks report. Nearest-rank percentiles, as in bench/sim, so lab figures and simulated
// figures mean the same thing; samples are small (the machines are noisy and lab runs take seconds each).
import { percentile as ofSorted } from '../simulator/metrics';

export function percentile(values: readonly number[], p: number): number {
  return ofSorted([...values].sort((a, b) => a - b), p);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export const round = (value: number, digits = 0): number => Number(value.toFixed(digits));
