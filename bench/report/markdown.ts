// Small Markdown pieces shared by the renderers: tables, number formats, and the note every result carries
// (command, date, machine, load), because a figure from a noisy machine means little without them.
import type { BenchRecord } from '../bench-main';

export function table(header: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string[] {
  const rule = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `|${rule.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export const seconds = (ms: number, digits = 1): string => (ms / 1000).toFixed(digits);
export const load = (l: readonly number[]): string => l.map((n) => n.toFixed(2)).join(' / ');
export const yesNo = (met: boolean): string => (met ? '**met**' : '**missed**');

export function runNote(record: BenchRecord<unknown>): string[] {
  const m = record.machine;
  return [
    `- command: \`${record.command}\``,
    `- run: ${record.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${record.seconds} s; machine: ${m.cores} cores (${m.cpuModel}), ` +
      `${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}`,
    `- load average (1 / 5 / 15 min): ${load(record.loadBefore)} before, ${load(record.loadAfter)} after`,
  ];
}
