// Assembles bench/RESULTS.md from whatever records bench/results holds: the header (how to run, the machine), the
// goals table, then one section per benchmark. Records carry their own date and load, so a section re-run alone
// keeps the others as they were, each honestly dated.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { recordFile, type BenchRecord } from '../bench-main';
import { loadAverage, machineNote } from '../machine';
import type { P4CloudResult } from '../p4-payoff/cloud';
import type { P5Result } from '../p5-cloud/summary';
import type { P6Result } from '../p6-gateway/index';
import type { SimulationResult } from '../simulation/index';
import { load } from './markdown';
import { renderP1 } from './p1';
import { renderP2 } from './p2';
import { renderP3 } from './p3';
import { renderP4 } from './p4';
import { renderP4Cloud } from './p4-cloud';
import { renderP5 } from './p5';
import { renderP6 } from './p6';
import { renderSimulation } from './simulation';
import { renderSummary, type Records } from './summary';

function read<R>(name: string): BenchRecord<R> | undefined {
  const file = recordFile(name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchRecord<R>) : undefined;
}

function header(failed: string[]): string[] {
  const m = machineNote();
  return [
    '# bootshift benchmarks',
    '',
    'Produced by `npm run bench` (`npx ts-node --transpile-only bench/run-all.ts` after `npm run build`); each benchmark also ' +
      'runs alone with the command shown in its section. Every figure is a ratio or a count from **one run** on a shared, ' +
      'noisy machine: read each next to the load average recorded with it.',
    '',
    `Rendered ${new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} on ${os.hostname()}: ${m.cores} cores ` +
      `(${m.cpuModel}), ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}; load average now ${load(loadAverage())}.`,
    ...(failed.length > 0 ? ['', `**Failed in this run:** ${failed.join(', ')} (their sections are missing; see the logs named by run-all).`] : []),
    '',
  ];
}

export function renderResults(failed: string[]): string {
  const records: Records = {
    p1: read('p1-overhead'),
    p2: read('p2-storm'),
    p3: read('p3-placement'),
    p4: read('p4-payoff'),
    p4Cloud: read<P4CloudResult>('p4-payoff-cloud'),
    p6: read<P6Result>('p6-gateway'),
  };
  const p5 = read<P5Result>('p5-cloud');
  const simulation = read<SimulationResult>('simulation');
  return [
    ...header(failed),
    '## Goals',
    '',
    ...renderSummary(records),
    ...(records.p1 ? renderP1(records.p1) : []),
    ...(records.p2 ? renderP2(records.p2) : []),
    ...(records.p3 ? renderP3(records.p3) : []),
    ...(records.p4 ? renderP4(records.p4) : []),
    ...(records.p4Cloud ? renderP4Cloud(records.p4Cloud) : []),
    ...(simulation ? renderSimulation(simulation) : []),
    ...(p5 ? renderP5(p5) : []),
    ...(records.p6 ? renderP6(records.p6) : []),
  ].join('\n');
}
