// examples/quickstart with the real Pulumi CLI (file backend) against the dev server, the worker and the lab: preview
// shows 3 creates; up settles 3 VMs on the oversubscribed host; a second up changes nothing; refresh finds no drift;
// a vCPU change previews replacements; an invalid input fails preview naming the field; destroy leaves no domain on any
// lab host and no reservation in the ledger.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { guestImage } from '../../devenv/tools';
import { runPulumi, type RunPulumiOptions } from '../../devenv/pulumi-cli';
import { repoRoot } from '../../devenv/tools';
import { readInventory } from '../helpers/inventory';
import { virshLines } from '../helpers/virsh';
import { ledgerSnapshot } from '../helpers/ledger';
import { TRANSPILE_ONLY } from '../helpers/pulumi-examples';

jest.setTimeout(1_800_000);

let env: DevEnvRecord;
let opts: RunPulumiOptions;
const stack = `e2e${Date.now().toString(36)}`;

beforeAll(async () => {
  env = await startDevEnv({ stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-pulumi-e2e-')), ui: false });
  opts = {
    cwd: path.join(repoRoot(), 'examples', 'quickstart'),
    stateDir: path.join(env.stateDir, 'pulumi'),
    passphrase: 'e2e-passphrase',
    extraEnv: { ...clientEnv(env), ...TRANSPILE_ONLY },
  };
  const init = await runPulumi(['stack', 'init', stack, '--non-interactive'], opts);
  if (init.code !== 0) throw new Error(`pulumi stack init failed: ${init.stderr}`);
  const { kernel, initrd } = guestImage();
  await pulumi('config', 'set', 'kernel', kernel);
  await pulumi('config', 'set', 'initrd', initrd);
});

afterAll(async () => {
  if (opts) await runPulumi(['stack', 'rm', stack, '--yes', '--force', '--non-interactive'], opts);
  if (env) await stopDevEnv(env.stateDir);
});

async function pulumi(...args: string[]) {
  const run = await runPulumi([...args, '--non-interactive', '--stack', stack], opts);
  if (run.code !== 0) throw new Error(`pulumi ${args.join(' ')} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** Operations a `pulumi preview --json` plans for bootshift VMs. */
async function plannedOps(): Promise<string[]> {
  const preview = JSON.parse((await pulumi('preview', '--json')).stdout) as { steps?: Array<{ op: string; urn: string }> };
  return (preview.steps ?? []).filter((s) => s.urn.includes('bootshift:VirtualMachine')).map((s) => s.op);
}

async function domainsOnLab(): Promise<string[]> {
  const all = await Promise.all(readInventory(env.inventoryFile).map((h) => virshLines(h.uri, ['list', '--all', '--name'])));
  return all.flat();
}

test('preview, up, no-op up, refresh, replace preview, bad input, destroy', async () => {
  expect(await plannedOps()).toEqual(['create', 'create', 'create']);

  await pulumi('up', '--yes', '--skip-preview');
  const outputs = JSON.parse((await pulumi('stack', 'output', '--json')).stdout) as { hosts: Record<string, { bootHost: string; host: string }> };
  const vms = Object.entries(outputs.hosts);
  expect(vms).toHaveLength(3);
  const settle = readInventory(env.inventoryFile).find((h) => h.name === 'settle-1')!;
  for (const [domain, where] of vms) {
    expect(where.host).toBe('settle-1');
    expect(['boot-1', 'boot-2']).toContain(where.bootHost);
    expect((await virshLines(settle.uri, ['domstate', '--reason', domain]))[0]).toBe('running (migrated)');
  }

  await pulumi('preview', '--expect-no-changes');
  await pulumi('up', '--yes', '--expect-no-changes');
  await pulumi('refresh', '--yes', '--expect-no-changes');

  await pulumi('config', 'set', '--type', 'int', 'vcpus', '2');
  const ops = await plannedOps();
  expect(ops.filter((op) => op === 'replace')).toHaveLength(3);
  await pulumi('config', 'set', '--type', 'int', 'vcpus', '0');
  const bad = await runPulumi(['preview', '--non-interactive', '--stack', stack], opts);
  expect(bad.code).not.toBe(0);
  expect(bad.stdout + bad.stderr).toMatch(/vcpus: must be an integer from 1 to 64|vcpus.*must be an integer from 1 to 64/);
  await pulumi('config', 'rm', 'vcpus');
  await pulumi('preview', '--expect-no-changes');

  await pulumi('destroy', '--yes', '--skip-preview');
  expect(await domainsOnLab()).toEqual([]);
  const ledger = await ledgerSnapshot(env);
  expect(ledger.counts).toMatchObject({ vms: 0, queued: 0 });
});
