// The comparison as Markdown, ready to paste into bench/RESULTS.md: the parameters first (a table without them
// cannot be reproduced), then one row per figure and one column per policy.
import { predictedSlowdown } from './calibration';
import type { Comparison } from './compare';
import type { PolicyFigures } from './metrics';
import { bootHostCount, type SimParams } from './params';

const LABELS: Record<PolicyFigures['policy'], string> = { 'in-place': 'in place', bootshift: 'bootshift' };

const ROWS: [string, (f: PolicyFigures) => string][] = [
  ['boot time p50 (s, request to boot complete)', (f) => f.bootP50.toFixed(1)],
  ['boot time p95 (s)', (f) => f.bootP95.toFixed(1)],
  ['boot time p99 (s)', (f) => f.bootP99.toFixed(1)],
  ['mean boot inflation (boot start to complete / alone)', (f) => `${f.meanInflation.toFixed(2)}x`],
  ['all booted (s)', (f) => f.allBootedAt.toFixed(1)],
  ['all settled, makespan (s)', (f) => (Number.isNaN(f.makespan) ? 'never' : f.makespan.toFixed(1))],
  ['peak boot queue (VMs)', (f) => String(f.peakQueue)],
  ['hosts holding the VMs at the end', (f) => String(f.hostsUsed)],
  ['final density on them (VMs/host)', (f) => f.vmsPerHost.toFixed(1)],
  ['final density on them (vCPUs/pCPU)', (f) => f.vcpusPerCpu.toFixed(2)],
  ['unplaced / stranded on a boot host', (f) => `${f.unplaced} / ${f.stranded}`],
];

function describe(p: SimParams): string[] {
  const shapes = p.shapes.map((s) => `${s.vcpus} vCPU/${s.memoryMiB / 1024} GiB ×${s.weight}`).join(', ');
  const m = p.model;
  return [
    `- fleet: ${p.hosts} hosts × ${p.cpusPerHost} CPUs, ${p.memoryMiBPerHost / 1024} GiB; cpuAllocationRatio ${p.cpuAllocationRatio}; ` +
      `bootshift boot pool ${bootHostCount(p)} hosts (Σ vCPUs ≤ CPUs on them: ${p.bootVcpusWithinCpus})`,
    `- VMs: ${p.vms}, ${p.arrivalRate > 0 ? `Poisson arrivals at ${p.arrivalRate}/s` : 'all requested at t = 0'}; shapes ${shapes}`,
    `- boot alone: mean ${m.aloneSeconds.toFixed(1)} s (cv ${p.bootCv}); CPU-bound part ${m.cpuFraction.toFixed(3)}, ` +
      `interference ${m.interference.toFixed(4)} (predicted slowdown with 2 / 4 runnable vCPUs per CPU: ` +
      `${predictedSlowdown(m, 2).toFixed(2)}x / ${predictedSlowdown(m, 4).toFixed(2)}x)`,
    `- running before the storm: tenants fill ${Math.round(p.initialFill * 100)}% of each settle host; steady load: ` +
      `${Math.round(p.busyFraction * 100)}% of VMs busy (1 CPU/vCPU), the rest ${p.steadyLoadPerVcpu} CPU/vCPU`,
    `- migration: memory / ${p.migrationMiBps} MiB/s + ${p.migrationOverheadSeconds} s`,
  ];
}

export function markdown(comparison: Comparison, commandLine: string): string {
  const { params, results } = comparison;
  return [
    `### Boot storm simulation, seed ${params.seed}`,
    '',
    `\`${commandLine}\``,
    '',
    ...describe(params),
    '',
    `| figure | ${results.map((r) => LABELS[r.policy]).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    ...ROWS.map(([label, cell]) => `| ${label} | ${results.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}
