// Proves the Pulumi part is real: the CLI and language host built from Go modules run `pulumi up` and `pulumi
// destroy` of a program with a dynamic resource, against a file backend, inside a network namespace that has no
// network at all (only loopback).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPulumi, type RunPulumiOptions } from '../../devenv/pulumi-cli';
import { toolPath } from '../../devenv/tools';

jest.setTimeout(300_000);

const project = path.join(__dirname, 'pulumi-project');
const stack = `smoke-${process.pid}-${Date.now()}`;
let opts: RunPulumiOptions;

beforeAll(() => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-pulumi-'));
  opts = { cwd: project, stateDir, passphrase: 'smoke-test-passphrase', offline: true };
});

afterAll(async () => {
  await runPulumi(['stack', 'rm', stack, '--yes', '--force', '--non-interactive'], opts);
  rmSync(opts.stateDir, { recursive: true, force: true });
});

async function pulumi(...args: string[]) {
  const run = await runPulumi([...args, '--non-interactive'], opts);
  if (run.code !== 0) throw new Error(`pulumi ${args.join(' ')} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

test('the CLI is the locally built one, at the pinned release', async () => {
  const run = await pulumi('version');
  expect(run.stdout.trim()).toBe('v3.248.0');
  process.stdout.write(`pulumi ${run.stdout.trim()} from ${toolPath('pulumi')}\n`);
});

test('pulumi up creates the dynamic resource offline, and pulumi destroy removes it', async () => {
  await pulumi('stack', 'init', stack);
  await pulumi('config', 'set', 'text', 'boot where there is room');
  const up = await pulumi('up', '--yes', '--skip-preview');
  expect(up.stdout).toMatch(/pulumi-nodejs:dynamic:Resource hello created/);
  expect(up.stdout).toMatch(/\+ 2 created/);
  const outputs = JSON.parse((await pulumi('stack', 'output', '--json')).stdout) as Record<string, unknown>;
  expect(outputs.shout).toBe('BOOT WHERE THERE IS ROOM');
  // The dynamic provider runs in its own plugin process, not in the program.
  expect(outputs.providerPid).not.toBe(outputs.programPid);
  process.stdout.write(`pulumi up: ${up.stdout.match(/Resources:[\s\S]*?Duration: \S+/)?.[0] ?? up.stdout}\n`);

  const destroy = await pulumi('destroy', '--yes', '--skip-preview');
  expect(destroy.stdout).toMatch(/pulumi-nodejs:dynamic:Resource hello deleted/);
  expect(destroy.stdout).toMatch(/- 2 deleted/);
  const after = JSON.parse((await pulumi('stack', 'export')).stdout) as { deployment: { resources?: unknown[] } };
  expect(after.deployment.resources ?? []).toHaveLength(0);
  process.stdout.write(`pulumi destroy: ${destroy.stdout.match(/Resources:[\s\S]*?Duration: \S+/)?.[0] ?? destroy.stdout}\n`);
});
