// The product/test boundary is a lint rule (eslint.config.mjs); this runs the project's real ESLint config on small
// sources given as if they lived in product folders, so a rule that stopped matching would fail here. Type-aware rules
// are switched off for these in-memory files, which no tsconfig project contains.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

jest.setTimeout(120_000);

const root = path.join(__dirname, '..', '..', '..');

function lint(file: string, source: string): string[] {
  const eslint = path.join(root, 'node_modules', '.bin', 'eslint');
  const args = ['--stdin', '--stdin-filename', file, '--format', 'json', '--parser-options=projectService:false'];
  for (const rule of ['no-floating-promises', 'no-misused-promises']) args.push('--rule', `@typescript-eslint/${rule}: off`);
  const run = spawnSync(eslint, args, { cwd: root, input: source, encoding: 'utf8' });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('activities/ may not import lab/, even a type', () => {
  const messages = lint('activities/fixture.ts', "import { virsh } from '../lab/virsh';\nimport type { X } from '../lab/x';\nexport const y: X = virsh;\n");
  expect(messages).toHaveLength(2);
  expect(messages.every((m) => m.startsWith('no-restricted-imports: ') && /never imports lab\//.test(m))).toBe(true);
});

test('no product folder may import the tests, the benchmarks or the simulator', () => {
  for (const [file, spec] of [
    ['cli/vm/fixture.ts', '../../test/helpers/inventory'],
    ['devenv/fixture.ts', '../bench/stats'],
    ['worker/gateway/fixture.ts', '../../simulator/engine'],
  ]) {
    expect(lint(file!, `export * from '${spec}';\n`)).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  }
});

test('the lab, tests and benchmarks may import the product, and the product itself', () => {
  expect(lint('lab/fixture.ts', "export * from '../devenv/processes';\n")).toEqual([]);
  expect(lint('activities/fixture.ts', "export * from '../domain';\nexport * from './hypervisor';\n")).toEqual([]);
});
