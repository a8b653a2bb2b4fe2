// `npm run bench`: every benchmark, one after another (they share the machine's two cores and would disturb each
// other), each in its own process exactly as it runs alone, then bench/RESULTS.md from their records. A failed
// benchmark does not stop the others; run-all exits non-zero and RESULTS.md names it.
// Run: npx ts-node --transpile-only bench/run-all.ts [name ...]
//   (names: p1-overhead p2-storm p3-placement p4-payoff p4-payoff-cloud simulation p5-cloud p6-gateway)
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../devenv/tools';
import { renderResults } from './report/results-md';

// The simulation reads P4's calibration, so it comes after P4.
const BENCHMARKS: Record<string, string> = {
  'p3-placement': 'bench/p3-placement/index.ts',
  'p2-storm': 'bench/p2-storm/index.ts',
  'p1-overhead': 'bench/p1-overhead/index.ts',
  'p4-payoff': 'bench/p4-payoff/index.ts',
  'p4-payoff-cloud': 'bench/p4-payoff/cloud.ts',
  simulation: 'bench/simulation/index.ts',
  'p5-cloud': 'bench/p5-cloud/index.ts',
  'p6-gateway': 'bench/p6-gateway/index.ts',
};

function runOne(name: string, script: string, logDir: string): Promise<boolean> {
  const logFile = path.join(logDir, `${name}.log`);
  const out = openSync(logFile, 'w');
  process.stdout.write(`${new Date().toISOString()} ${name}: running (log: ${logFile})\n`);
  const child = spawn('npx', ['ts-node', '--transpile-only', script], { cwd: repoRoot(), stdio: ['ignore', out, out] });
  closeSync(out);
  return new Promise((resolve) => {
    child.on('error', () => resolve(false));
    child.on('exit', (code) => {
      process.stdout.write(`${new Date().toISOString()} ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code}), see ${logFile}`}\n`);
      resolve(code === 0);
    });
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  const logDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-logs-'));
  const failed: string[] = [];
  for (const [name, script] of Object.entries(BENCHMARKS)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    if (!(await runOne(name, script, logDir))) failed.push(name);
  }
  writeFileSync(path.join(repoRoot(), 'bench', 'RESULTS.md'), `${renderResults(failed)}\n`);
  process.stdout.write(`bench/RESULTS.md written${failed.length > 0 ? `; failed: ${failed.join(', ')}` : ''}\n`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
