// Measurement hygiene for the long lab runs on a shared 2-core machine: before a measured run starts, wait until the
// 1-minute load average falls below a threshold (polled every 10 s, for at most 20 minutes). If it never does, the
// run goes ahead anyway and its record says so, with the load it started at.
import { loadAverage, type LoadAverage } from './machine';

export interface LoadGate {
  threshold: number;
  /** false when the wait ran out (or was skipped) and the run started on a busier machine */
  quiet: boolean;
  skipped: boolean;
  waitedSeconds: number;
  /** the load average when the measured part began */
  loadAtStart: LoadAverage;
}

export interface LoadGateOptions {
  threshold?: number;
  pollMs?: number;
  maxWaitMs?: number;
  /** smoke runs: no wait, only the load is recorded */
  skip?: boolean;
  log?: (line: string) => void;
}

export async function waitForQuietMachine(opts: LoadGateOptions = {}): Promise<LoadGate> {
  const threshold = opts.threshold ?? 1.5;
  const pollMs = opts.pollMs ?? 10_000;
  const maxWaitMs = opts.maxWaitMs ?? 20 * 60_000;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  let load = loadAverage();
  if (!opts.skip) {
    while (load[0] >= threshold && Date.now() - started < maxWaitMs) {
      log(`load gate: 1-min load ${load[0]} ≥ ${threshold}, waiting (${Math.round((Date.now() - started) / 1000)} s so far)`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      load = loadAverage();
    }
  }
  const gate = { threshold, quiet: load[0] < threshold, skipped: opts.skip ?? false, waitedSeconds: Math.round((Date.now() - started) / 1000), loadAtStart: load };
  log(`load gate: ${gate.quiet ? 'quiet' : gate.skipped ? 'skipped' : 'gave up waiting'} after ${gate.waitedSeconds} s, load ${load.join(' / ')}`);
  return gate;
}
