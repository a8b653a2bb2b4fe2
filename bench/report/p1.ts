// P1 in Markdown: the paired samples, the medians and their ratio, and where bootshift's extra time goes.
import type { BenchRecord } from '../bench-main';
import type { P1Result } from '../p1-overhead/summary';
import { runNote, seconds, table, yesNo } from './markdown';

export function renderP1(record: BenchRecord<P1Result>): string[] {
  const r = record.result;
  const extra = r.steps.map((s) => [s.step, s.bootshiftMs ?? '—', s.plainMs ?? '—']);
  return [
    '## P1 — overhead of bootshift over a plain virsh script (lab, libvirt)',
    '',
    ...runNote(record),
    '',
    `Same VM spec (1 vCPU, 128 MiB, lab kernel + busybox initramfs), same lab (1 boot host + 1 settle host), request to ` +
      `running on the settle host; alternated bootshift/plain ${r.pairs} times after one warm-up of each, left out of the ` +
      `pairs because it carries one-off costs such as the first connections to the ledger's PostgreSQL (bootshift ${seconds(r.warmup.bootshiftMs)} s, ` +
      `plain ${seconds(r.warmup.plainMs)} s).`,
    '',
    ...table(
      ['pair', 'bootshift (s)', 'plain (s)', 'load (1 min)'],
      r.samples.map((s, i) => [i + 1, seconds(s.bootshiftMs), seconds(s.plainMs), s.load1.toFixed(2)]),
      ['r', 'r', 'r', 'r'],
    ),
    '',
    `**Median: bootshift ${seconds(r.medianBootshiftMs, 2)} s, plain ${seconds(r.medianPlainMs, 2)} s, ratio ${r.ratio.toFixed(3)}** ` +
      `(goal ≤ ${r.goal.toFixed(2)}: ${yesNo(r.met)}).`,
    '',
    'Where the time goes (medians, ms; bootshift from the workflow histories, plain from the script\'s own clocks):',
    '',
    ...table(['step', 'bootshift', 'plain'], extra, ['l', 'r', 'r']),
    '',
  ];
}
