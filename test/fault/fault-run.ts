// Shared by the fault tests: how big a run is (CI runs a reduced version on every submission; `npm run fault`
// runs the full one), a seeded random source for where faults land, and the row each test records for RESULTS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FULL = process.env.BOOTSHIFT_FAULT_SCALE === 'full';

export function scaled<T>(ci: T, full: T): T {
  return FULL ? full : ci;
}

/** mulberry32: small, seeded, good enough to place faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultResult {
  fault: string;
  runs: number;
  injections: number;
  vms: number;
  lost: number;
  duplicated: number;
  leakedReservations: number;
  /** VMs' disks or seeds left where no VM of theirs runs (checked by the faults that involve storage). */
  leakedVolumes?: number;
  notes?: string;
}

export const resultsDir = path.join(__dirname, '..', '..', 'test-output', 'fault');

export function recordFaultResult(name: string, result: FaultResult): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify({ ...result, scale: FULL ? 'full' : 'ci', at: new Date().toISOString() }, null, 2)}\n`);
  process.stdout.write(`fault ${name}: ${JSON.stringify(result)}\n`);
}
