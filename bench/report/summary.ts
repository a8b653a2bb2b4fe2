// The goals at a glance, one row per figure, each with its result and whether it was met; a benchmark that did not
// produce a result says so rather than disappearing from the table.
import type { BenchRecord } from '../bench-main';
import type { P1Result } from '../p1-overhead/summary';
import type { P2Result } from '../p2-storm/index';
import type { P3Result } from '../p3-placement/index';
import type { P4CloudResult } from '../p4-payoff/cloud';
import type { P4Result } from '../p4-payoff/index';
import type { P6Result } from '../p6-gateway/index';
import { table, yesNo } from './markdown';
import { readBefore } from './p2';

export interface Records {
  p1?: BenchRecord<P1Result>;
  p2?: BenchRecord<P2Result>;
  p3?: BenchRecord<P3Result>;
  p4?: BenchRecord<P4Result>;
  p4Cloud?: BenchRecord<P4CloudResult>;
  p6?: BenchRecord<P6Result>;
}

type Row = [string, string, string, string];

const missing = (figure: string, goal: string): Row => [figure, goal, 'no result (the benchmark failed)', '—'];

export function renderSummary({ p1, p2, p3, p4, p4Cloud, p6 }: Records): string[] {
  const p2Before = readBefore();
  const rows: Row[] = [
    p1 ? ['P1 bootshift ÷ plain virsh, request → settled (median)', '≤ 1.10', `${p1.result.ratio.toFixed(3)}`, yesNo(p1.result.met)] : missing('P1 overhead', '≤ 1.10'),
    p2 ? ['P2 1,000-VM storm, time to all settled', '≤ 60 s', `${p2.result.storm.allSettledSeconds.toFixed(1)} s (${p2.result.fraction.toFixed(2)} of the bare-workflow ceiling)${p2Before ? `; before, on the ledger workflow: ${p2Before.result.storm.allSettledSeconds.toFixed(1)} s (${p2Before.result.fraction.toFixed(2)})` : ''}`, yesNo(p2.result.met)] : missing('P2 storm', '≤ 60 s'),
    p2 ? ['P2 policy violations', '0', String(p2.result.storm.watch.violations.length + p2.result.storm.finalProblems.length), yesNo(p2.result.storm.watch.violations.length + p2.result.storm.finalProblems.length === 0)] : missing('P2 violations', '0'),
    p3 ? ['P3 placement p99 at 10,000 hosts / 100,000 VMs (boot / settle)', '≤ 1 ms', `${(p3.result.placement.boot.p99Us / 1000).toFixed(2)} / ${(p3.result.placement.settle.p99Us / 1000).toFixed(2)} ms`, yesNo(p3.result.placement.met)] : missing('P3 placement', '≤ 1 ms'),
    p3 ? ['P3 ledger claims/s at 10,000 hosts / 100,000 VMs: PostgreSQL (durable), 1 / 10 / 50 callers', '≥ 1,000/s', `${p3.result.postgres.durable.levels.map((l) => l.boot.perSecond).join(' / ')}/s (the ledger workflow at its largest, ${p3.result.workflowLedger.largest.vms.toLocaleString('en')} VMs: ${p3.result.workflowLedger.levels.map((l) => l.run.perSecond).join(' / ')}/s)`, yesNo(p3.result.claimMet)] : missing('P3 ledger claims', '≥ 1,000/s'),
    p4 ? ['P4 boot p95, in place ÷ bootshift, equal final density', '≥ 2×', `${p4.result.bootP95Speedup.toFixed(2)}× (${p4.result.inPlace.density.vms} VMs on B either way)`, yesNo(p4.result.met)] : missing('P4 payoff', '≥ 2×'),
    p4Cloud
      ? [
          `P4 with cloud guests (K = ${p4Cloud.result.guests}, D = ${p4Cloud.result.burners}): boot p95, in place ÷ bootshift, equal final density`,
          '≥ 2×',
          `${p4Cloud.result.bootP95Speedup.toFixed(2)}× (${p4Cloud.result.inPlace.density.vms} VMs on B either way)`,
          yesNo(p4Cloud.result.met),
        ]
      : missing('P4 payoff with cloud guests', '≥ 2×'),
    p6
      ? [
          'P6 genuine phone-homes under a hostile guest\'s flood: all 204, p99 flooded ÷ idle',
          '≤ 2×',
          `${p6.result.p99Ratio.toFixed(2)}× (${p6.result.flooded.p99Ms} ms vs ${p6.result.idle.p99Ms} ms; ${p6.result.flooded.statuses[204] ?? 0} of ${p6.result.flooded.reports} got 204)`,
          yesNo(p6.result.met),
        ]
      : missing('P6 gateway under flood', '≤ 2×'),
  ];
  return [...table(['figure', 'goal', 'result (one run)', ''], rows), ''];
}
