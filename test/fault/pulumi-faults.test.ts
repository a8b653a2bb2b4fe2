// Faults seen from Pulumi. (1) Guests that never phone home (a broken image on the real lab): the boot timeout
// fires, the domains are destroyed and undefined, the reservations released, and `pulumi up` fails saying so.
// (2) `pulumi up` killed mid-create (CLI and plugins, as a crash would) and run again: it re-attaches to the same
// workflows, and no second VM exists.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { clientEnv, connectDevEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { guestImage } from '../../devenv/tools';
import { checkInvariants } from '../../cli/check';
import { observeHypervisor, observeSimulatedFleet } from '../../cli/check';
import { runPulumi, type RunPulumiOptions } from '../../devenv/pulumi-cli';
import { processesWithEnv } from '../../devenv/processes';
import { repoRoot } from '../../devenv/tools';
import { waitFor } from '../../devenv/wait';
import { readInventoryFile } from '../../worker/inventory-file';
import { recordFaultResult, scaled } from './fault-run';
import { ledgerSnapshot } from '../helpers/ledger';
import { TRANSPILE_ONLY } from '../helpers/pulumi-examples';

jest.setTimeout(3_600_000);

interface Stack {
  env: DevEnvRecord;
  client: Client;
  connection: Connection;
  pulumi: (args: string[], extra?: Partial<RunPulumiOptions>) => ReturnType<typeof runPulumi>;
}

const stacks: Stack[] = [];
/** Files a test put where the fleet's images live, removed at the end. */
const scratch: string[] = [];
afterAll(async () => {
  for (const file of scratch) rmSync(file, { force: true });
  for (const s of stacks) {
    await s.connection.close();
    await stopDevEnv(s.env.stateDir);
  }
});

async function quickstart(hypervisor: 'libvirt' | 'simulated', config: Record<string, string>): Promise<Stack> {
  const env = await startDevEnv({ stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-fault-pulumi-')), ui: false, hypervisor });
  const { client, connection } = await connectDevEnv(env);
  const stack = `fault${Date.now().toString(36)}`;
  const base: RunPulumiOptions = {
    cwd: path.join(repoRoot(), 'examples', 'quickstart'),
    stateDir: path.join(env.stateDir, 'pulumi'),
    passphrase: 'fault-passphrase',
    extraEnv: { ...clientEnv(env), ...TRANSPILE_ONLY },
  };
  const pulumi: Stack['pulumi'] = (args, extra) => runPulumi([...args, '--non-interactive', ...(args[0] === 'stack' && args[1] === 'init' ? [] : ['--stack', stack])], { ...base, ...extra });
  await pulumi(['stack', 'init', stack]);
  for (const [key, value] of Object.entries(config)) await pulumi(['config', 'set', key, value]);
  const s = { env, client, connection, pulumi };
  stacks.push(s);
  return s;
}

test('guests that never phone home: boot timeout, domains destroyed, slots released, pulumi up fails saying so', async () => {
  // An empty initramfs beside the lab guest's (kernel images must come from the fleet's imageDirs): the kernel boots
  // and panics, and nothing ever phones home.
  const brokenInitrd = path.join(path.dirname(guestImage().initrd), `broken-${process.pid}-${Date.now()}.img`);
  writeFileSync(brokenInitrd, '');
  scratch.push(brokenInitrd);
  const { env, client, pulumi } = await quickstart('libvirt', { kernel: guestImage().kernel, initrd: brokenInitrd, bootTimeoutSeconds: '10' });
  const up = await pulumi(['up', '--yes', '--skip-preview']);
  expect(up.code).not.toBe(0);
  expect(up.stdout + up.stderr).toMatch(/did not report boot complete within 10s/);
  expect(up.stdout + up.stderr).toMatch(/destroyed and undefined, its volumes deleted and its boot slot released/);

  const inventory = await readInventoryFile(env.inventoryFile);
  const domains = await observeHypervisor(createLibvirtHypervisor(), inventory);
  expect(domains).toEqual([]);
  const ledger = await ledgerSnapshot(env);
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory, domains });
  recordFaultResult('pulumi-boot-timeout', {
    fault: 'guests that never phone home (empty initrd), created through pulumi up (lab)',
    runs: 1,
    injections: 3,
    vms: 3,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length + ledger.counts.vms,
    notes: report.ok ? 'pulumi up failed with the boot-timeout message for each VM' : JSON.stringify(report),
  });
  expect(ledger.counts).toMatchObject({ vms: 0, queued: 0 });
  expect(report.ok).toBe(true);
});

test('pulumi up killed mid-create and run again re-attaches to the same workflows: no second VM', async () => {
  const runs = scaled(1, 3);
  const { env, client, pulumi } = await quickstart('simulated', { kernel: '/sim/vmlinuz', initrd: '/sim/initrd' });
  let kills = 0;
  for (let run = 0; run < runs; run += 1) {
    const since = new Date().toISOString();
    const kill = new AbortController();
    const interrupted = pulumi(['up', '--yes', '--skip-preview'], { kill: kill.signal });
    // Kill only once provisioning has really started, so there is something to re-attach to.
    await waitFor(async () => (await client.workflow.count(`WorkflowType = 'provisionVm' AND ExecutionStatus = 'Running'`)).count > 0, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: 'provisionVm workflows to start',
    });
    kill.abort();
    expect((await interrupted).code).not.toBe(0);
    // Nothing of the killed run survives: not the CLI, not its language host, not its provider plugins.
    await waitFor(() => processesWithEnv('PULUMI_HOME', path.join(env.stateDir, 'pulumi', 'home')).length === 0, {
      timeoutMs: 10_000,
      what: 'the killed pulumi run and its plugins to be gone',
    });
    kills += 1;

    // A crashed CLI leaves its lock behind: clearing it is the documented first step of a re-run.
    expect((await pulumi(['cancel', '--yes'])).code).toBe(0);
    const again = await pulumi(['up', '--yes', '--skip-preview']);
    expect({ code: again.code, out: again.code === 0 ? '' : again.stdout + again.stderr }).toEqual({ code: 0, out: '' });
    const runsPerVm = new Map<string, number>();
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'provisionVm' AND StartTime > '${since}'` })) {
      runsPerVm.set(wf.workflowId, (runsPerVm.get(wf.workflowId) ?? 0) + 1);
    }
    expect([...runsPerVm.values()]).toEqual([1, 1, 1]);
    if (run < runs - 1) expect((await pulumi(['destroy', '--yes', '--skip-preview'])).code).toBe(0);
  }
  const domains = observeSimulatedFleet(path.join(env.stateDir, 'simulated-fleet.json'));
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory: await readInventoryFile(env.inventoryFile), domains });
  recordFaultResult('pulumi-interrupted', {
    fault: 'pulumi up SIGKILLed (CLI and plugins) mid-create, then run again (simulated hypervisor)',
    runs,
    injections: kills,
    vms: 3 * runs,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length,
    notes: report.ok ? 'each VM has exactly one provisionVm run and one domain' : JSON.stringify(report),
  });
  expect(domains).toHaveLength(3);
  expect(report).toMatchObject({ ok: true, vms: 3 });
});
