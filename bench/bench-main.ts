// The shell every benchmark runs in, so each one is runnable alone and leaves the same record behind: its result
// wrapped with the exact command, the time, the machine and the load, in bench/results/<name>.json, which run-all
// turns into RESULTS.md. A failed benchmark exits non-zero and writes no result (a stale one would be misread). A
// stray error (e.g. an SDK retry timer firing on a connection closed by a teardown after a failure) fails the run
// too, but is caught so that the teardown still finishes and the first error is the one reported.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../devenv/tools';
import { loadAverage, machineNote, type LoadAverage, type MachineNote } from './machine';

export interface BenchRecord<R> {
  name: string;
  command: string;
  startedAt: string;
  seconds: number;
  machine: MachineNote;
  loadBefore: LoadAverage;
  loadAfter: LoadAverage;
  result: R;
}

export const resultsDir = (): string => path.join(repoRoot(), 'bench', 'results');
export const recordFile = (name: string): string => path.join(resultsDir(), `${name}.json`);

/** `--flag value` from the command line, as a positive integer, or the default. */
export function intArg(args: readonly string[], flag: string, fallback: number): number {
  const at = args.indexOf(flag);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a positive integer`);
  return value;
}

export function benchMain<R>(name: string, run: (args: string[]) => Promise<R>): void {
  const args = process.argv.slice(2);
  const script = path.relative(repoRoot(), process.argv[1] ?? '');
  const command = ['npx ts-node --transpile-only', script, ...args].join(' ');
  const startedAt = new Date();
  const loadBefore = loadAverage();
  rmSync(recordFile(name), { force: true });
  const stray: unknown[] = [];
  process.on('uncaughtException', (err) => stray.push(err));
  run(args)
    .then((result) => {
      if (stray.length > 0) throw stray[0];
      const record: BenchRecord<R> = {
        name,
        command,
        startedAt: startedAt.toISOString(),
        seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
        machine: machineNote(),
        loadBefore,
        loadAfter: loadAverage(),
        result,
      };
      mkdirSync(resultsDir(), { recursive: true });
      writeFileSync(recordFile(name), `${JSON.stringify(record, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    })
    .catch((err: unknown) => {
      const cause = err instanceof Error && err.cause ? `\ncaused by: ${String(err.cause)}` : '';
      process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}${cause}\n`);
      process.exitCode = 1;
    });
}
