// P6 in Markdown: genuine phone-home latency with the gateway idle and under a hostile guest's flood.
import type { BenchRecord } from '../bench-main';
import type { LatencyPhase, P6Result } from '../p6-gateway/index';
import { runNote, table, yesNo } from './markdown';

const statuses = (s: Record<number, number>) =>
  Object.entries(s)
    .map(([status, n]) => `${n} × ${status === '0' ? 'cut' : status}`)
    .join(', ');

export function renderP6(record: BenchRecord<P6Result>): string[] {
  const r = record.result;
  const row = (name: string, p: LatencyPhase) => [name, p.reports, statuses(p.statuses), `${p.p50Ms} ms`, `**${p.p99Ms} ms**`, `${p.maxMs} ms`];
  return [
    '## P6 — the boot gateway under a hostile guest',
    '',
    ...runNote(record),
    '',
    `Genuine phone-homes (HTTP GET with the VM's run-bound token → the gateway → the VM workflow's bootComplete update on ` +
      `a dev server → 204), each VM once, ${r.concurrency} at a time, timed from send to the end of the answer: first with ` +
      `the gateway idle, then while one "guest" in a process of its own floods it from the same address with ${r.floodLanes} ` +
      `requests always in flight (bad tokens for one VM, junk paths, malformed phone-homes) and holds ${r.slowConnections} ` +
      `connections that send half a body. The gateway has the worker's default limits (per VM: ${r.limits.genuinePerVm} ` +
      `genuine and ${r.limits.badTokenPerVm} bad-token requests a minute; per source: ${r.limits.garbagePerSource} garbage ` +
      `requests a minute; ${r.limits.requestTimeoutMs / 1000} s for a whole request).`,
    '',
    ...table(['gateway', 'genuine reports', 'answers', 'p50', 'p99', 'max'], [row('idle', r.idle), row('flooded', r.flooded)], ['l', 'r', 'l', 'r', 'r', 'r']),
    '',
    `The flood's answers: ${Object.entries(r.flood)
      .map(([kind, s]) => `${kind}: ${statuses(s)}`)
      .join('; ')}.`,
    '',
    `Goal: every genuine report 204 and p99 flooded ≤ ${r.goalRatio}× idle: ${yesNo(r.met)} (ratio ${r.p99Ratio}).`,
    '',
  ];
}
