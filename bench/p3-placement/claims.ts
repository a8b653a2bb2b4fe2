// How both ledgers are driven: `concurrency` callers, each sending one request after another until `count` have been
// sent, every call timed on its own. The rate counts the requests that did what they were asked (a claim that got a
// host), over the time from the first call to the last reply.
import { percentile, round } from '../stats';

export interface ClaimRun {
  concurrency: number;
  requests: number;
  succeeded: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** the first few distinct failures, to read alongside `failed` */
  failures: string[];
}

/** `request(i)` resolves to true when request i did what it was asked; a rejection or false is a failure. */
export async function runClaims(count: number, concurrency: number, request: (i: number) => Promise<boolean>): Promise<ClaimRun> {
  const ms: number[] = [];
  const failures = new Set<string>();
  let succeeded = 0;
  let next = 0;
  const caller = async () => {
    for (let i = next++; i < count; i = next++) {
      const start = performance.now();
      const ok = await request(i).catch((err: unknown) => {
        failures.add(err instanceof Error ? err.message : String(err));
        return false;
      });
      ms.push(performance.now() - start);
      if (ok) succeeded += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - start) / 1000;
  return {
    concurrency,
    requests: count,
    succeeded,
    failed: count - succeeded,
    seconds: round(seconds, 2),
    perSecond: round(succeeded / seconds, 1),
    p50Ms: round(percentile(ms, 0.5), 2),
    p99Ms: round(percentile(ms, 0.99), 2),
    maxMs: round(Math.max(...ms), 2),
    failures: [...failures].slice(0, 3),
  };
}

/** A reply's status, as a failure message when it is not the expected one (a claim refused or queued is not a claim). */
export function expect<R extends { status: string }>(reply: R, status: R['status']): boolean {
  if (reply.status !== status) throw new Error(`expected ${status}, got ${JSON.stringify(reply)}`);
  return true;
}
