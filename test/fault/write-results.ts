// Writes test/fault/RESULTS.md from the rows the fault tests recorded in test-output/fault (run by `npm run fault`
// after the full suite), so the figures in the file are exactly those of the last full run.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resultsDir, type FaultResult } from './fault-run';

type Row = FaultResult & { scale: string; at: string };

const rows: Row[] = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8')) as Row);

// Listed from the directory, so a new fault test is named here without anyone remembering to.
const faultFiles = readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();

const table = [
  '| fault | runs | injections | VMs | lost | duplicated | leaked reservations | leaked volumes | notes |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.fault} | ${r.runs} | ${r.injections} | ${r.vms} | ${r.lost} | ${r.duplicated} | ${r.leakedReservations} | ${r.leakedVolumes ?? '-'} | ${r.notes ?? ''} (${r.scale}) |`,
  ),
];

// Rows say their scale, and so does the header: a report written from an `npm test` run must not pass for a full one.
const scales = [...new Set(rows.map((r) => r.scale))].sort().join(' and ') || 'no';

const text = `# Fault suite results

Produced by \`npm run fault\` (= \`BOOTSHIFT_FAULT_SCALE=full jest --selectProjects fault --runInBand\`, then this
report); \`npm test\` runs the same tests at CI scale (\`ci\`: fewer runs and VMs) on every submission. Every VM is
checked by the invariant checker (\`bootshift check\`, \`cli/check.ts\`): ledger, hypervisor domains and workflow
results must agree, with no VM lost or duplicated, no host over its policy, no reservation that no live VM accounts
for and (where VMs have disks) no disk or seed left where no VM of its own runs ("-": a fault whose VMs have no disks).

Last run: ${rows.map((r) => r.at).sort().at(-1) ?? 'none'}, at ${scales} scale, on ${os.cpus().length} cores, ${os.type()} ${os.release()}.

${table.join('\n')}

One fault alone, at full scale: \`BOOTSHIFT_FAULT_SCALE=full npx jest --runInBand --selectProjects fault --testPathPatterns <file>\`
(after \`npm run build\`), with \`<file>\` one of ${faultFiles.map((f) => `\`test/fault/${f}\``).join(', ')}.
`;
writeFileSync(path.join(__dirname, 'RESULTS.md'), text);
process.stdout.write(text);
