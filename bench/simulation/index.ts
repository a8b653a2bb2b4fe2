// The simulation (bench/sim, run as is) calibrated with P4's lab measurement: the default storm, whose Markdown table
// and boot-time CDF go into RESULTS.md whole, and a few variants that show when bootshift's queueing pays off
// (arrivals spread out, a larger boot pool) and when it does not (everything at once into a 10% pool).
// Run alone (after P4): npx ts-node --transpile-only bench/simulation/index.ts
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../devenv/tools';
import { benchMain, recordFile } from '../bench-main';

const run = promisify(execFile);

interface Scenario {
  label: string;
  args: string[];
  svg: string;
}

const SCENARIOS: Scenario[] = [
  { label: 'storm: 1,000 VMs at once, 10% boot pool', args: [], svg: 'bench/results/sim-boot-cdf.svg' },
  { label: 'arrivals spread: 5 VMs/s', args: ['--arrival-rate', '5'], svg: 'bench/results/sim-boot-cdf-arrivals-5.svg' },
  { label: 'arrivals 10 VMs/s, 20% boot pool', args: ['--arrival-rate', '10', '--boot-fraction', '0.2'], svg: 'bench/results/sim-boot-cdf-arrivals-10-pool-20.svg' },
  { label: 'storm, 30% boot pool', args: ['--boot-fraction', '0.3'], svg: 'bench/results/sim-boot-cdf-pool-30.svg' },
];

/** Figures picked from the runner's table, [in place, bootshift] as printed. */
const ROWS = { bootP50: 'boot time p50', bootP95: 'boot time p95', makespan: 'all settled, makespan', peakQueue: 'peak boot queue', density: 'final density on them (vCPUs/pCPU)' };

export interface SimScenario {
  label: string;
  /** the runner's flags besides --calibration and --svg */
  args: string[];
  command: string;
  svg: string;
  markdown: string;
  rows: Record<keyof typeof ROWS, [string, string]>;
}

export interface SimulationResult {
  calibrationFile: string;
  scenarios: SimScenario[];
}

function row(markdown: string, label: string): [string, string] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${label}`));
  const cells = line?.split('|').map((c) => c.trim()).filter(Boolean) ?? [];
  return [cells[1] ?? '?', cells[2] ?? '?'];
}

async function simulate(calibration: string, scenario: Scenario): Promise<SimScenario> {
  const args = ['ts-node', '--transpile-only', 'simulator/run.ts', '--calibration', calibration, ...scenario.args, '--svg', scenario.svg];
  const { stdout } = await run('npx', args, { cwd: repoRoot(), maxBuffer: 16 * 1024 * 1024 });
  const rows = Object.fromEntries(Object.entries(ROWS).map(([key, label]) => [key, row(stdout, label)])) as SimScenario['rows'];
  return { label: scenario.label, args: scenario.args, command: `npx ${args.join(' ')}`, svg: scenario.svg, markdown: stdout.trim(), rows };
}

async function runAll(): Promise<SimulationResult> {
  const calibrationFile = path.relative(repoRoot(), recordFile('p4-calibration'));
  if (!existsSync(path.join(repoRoot(), calibrationFile))) throw new Error(`${calibrationFile} is missing: run P4 first (bench/p4-payoff)`);
  const scenarios: SimScenario[] = [];
  for (const scenario of SCENARIOS) scenarios.push(await simulate(calibrationFile, scenario));
  return { calibrationFile, scenarios };
}

benchMain('simulation', runAll);
