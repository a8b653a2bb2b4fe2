// Real cloud guests on the lab: examples/cloud-vm through the real Pulumi CLI, two VMs from one Debian base image
// booting with real cloud-init, phoning home through the gateway and moving, disk included, to a settle host that
// shares no storage with their boot hosts (each lab host has a private /var/lib/libvirt), alongside a third VM whose
// boot-complete comes from the QEMU guest agent; and the bad input `pulumi preview` must refuse before anything is made.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { checkInvariants, observeHypervisor, observeVolumes } from '../../cli/check';
import { clientEnv, connectDevEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { runPulumi, type RunPulumiOptions } from '../../devenv/pulumi-cli';
import { CLOUD_IMAGE, guestImage, repoRoot } from '../../devenv/tools';
import { overlayVolumeOf, seedVolumeOf, type Inventory } from '../../domain';
import { readInventoryFile } from '../../worker/inventory-file';
import { decommissionVm } from '../../workflows/decommission-vm';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmResult } from '../../workflows/types';
import { bootReports } from '../helpers/history';
import { ledgerSnapshot } from '../helpers/ledger';
import { TRANSPILE_ONLY } from '../helpers/pulumi-examples';

jest.setTimeout(1_800_000);

const hypervisor = createLibvirtHypervisor();
let env: DevEnvRecord;
let inventory: Inventory;
let client: Client;
let connection: Connection;
const stack = `cloud${Date.now().toString(36)}`;

const pulumiOpts = (example: string): RunPulumiOptions => ({
  cwd: path.join(repoRoot(), 'examples', example),
  stateDir: path.join(env.stateDir, 'pulumi', example),
  passphrase: 'e2e-passphrase',
  extraEnv: { ...clientEnv(env), ...TRANSPILE_ONLY },
});

async function pulumi(example: string, ...args: string[]) {
  return runPulumi([...args, '--non-interactive', '--stack', stack], pulumiOpts(example));
}

async function pulumiOk(example: string, ...args: string[]) {
  const run = await pulumi(example, ...args);
  if (run.code !== 0) throw new Error(`pulumi ${args.join(' ')} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run;
}

const hostRef = (name: string) => {
  const host = inventory.hosts.find((h) => h.name === name)!;
  return { name: host.name, uri: host.uri };
};

/** Event types and activities of a workflow's history, in order. */
async function historyOf(workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => ({
    type: temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? '',
    activity: e.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined,
    scheduledId: e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString(),
    id: e.eventId?.toString(),
  }));
}

beforeAll(async () => {
  // Two boot hosts, one settle host; 2 CPUs and 2 GiB each, so the settle host takes all three 512 MiB cloud VMs.
  env = await startDevEnv({ stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-cloud-e2e-')), ui: false, hostCpus: 2 });
  inventory = await readInventoryFile(env.inventoryFile);
  ({ client, connection } = await connectDevEnv(env));
  for (const example of ['cloud-vm', 'quickstart']) {
    const init = await runPulumi(['stack', 'init', stack, '--non-interactive'], pulumiOpts(example));
    if (init.code !== 0) throw new Error(`pulumi stack init failed: ${init.stderr}`);
  }
});

afterAll(async () => {
  for (const example of ['cloud-vm', 'quickstart']) {
    if (env) await runPulumi(['stack', 'rm', stack, '--yes', '--force', '--non-interactive'], pulumiOpts(example));
  }
  await connection?.close();
  if (env) await stopDevEnv(env.stateDir);
});

test('bad input is refused at preview, naming the field, and leaves no volume and no reservation', async () => {
  const refused = async (example: string, config: Record<string, string>, expected: RegExp) => {
    for (const [key, value] of Object.entries(config)) await pulumiOk(example, 'config', 'set', key, value);
    const preview = await pulumi(example, 'preview');
    for (const key of Object.keys(config)) await pulumiOk(example, 'config', 'rm', key);
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toMatch(expected);
  };
  // A base image that is neither a file in the imageDirs nor a volume on the hosts.
  await refused('cloud-vm', { baseImage: 'no-such-image.qcow2' }, /image\.volume.*no file "no-such-image\.qcow2" in the fleet's imageDirs .* and hosts boot-1, boot-2, settle-1 have no such volume/);
  // A disk smaller than the base image (2 GiB virtual).
  await refused('cloud-vm', { diskGiB: '1' }, /image\.diskGiB.*must be at least 2 \(the base image's virtual size is 2\.00 GiB\)/);
  // User-data that does not parse.
  await refused('cloud-vm', { userData: '#cloud-config\nwrite_files: [ {path: /x' }, /image\.userData.*must be valid YAML/);
  // Kernel image files outside the fleet's imageDirs.
  const { initrd } = guestImage();
  await refused('quickstart', { kernel: '/etc/hostname', initrd }, /image\.kernel.*must be a file inside one of the fleet's imageDirs/);

  expect(await observeVolumes(hypervisor, inventory)).toEqual([]);
  expect(await observeHypervisor(hypervisor, inventory)).toEqual([]);
  // Nothing was reserved: no VM ever reached the ledger (it starts with the first reservation).
  const ledger = await ledgerSnapshot(env).catch(() => undefined);
  expect(ledger?.counts.vms ?? 0).toBe(0);
});

test('three VMs from one base boot with real cloud-init and move with their disks to a host that shares no storage: two declared in Pulumi phone home, one that cannot says so through the QEMU guest agent', async () => {
  // The guest-agent VM boots alongside the two of the Pulumi program, started straight through Temporal: three TCG
  // guests on two cores take less wall time together than one after the other, and the first use of the base image on
  // a boot host is then shared by VMs arriving at once (it must be uploaded once).
  const agentId = `vm/e2e/${stack}/agent`;
  const agentSpec = {
    name: 'agent',
    vcpus: 1,
    memoryMiB: 512,
    image: { kind: 'cloud' as const, volume: CLOUD_IMAGE, diskGiB: 4 },
    fleet: env.fleet,
    bootTimeoutSeconds: 600,
    bootSignal: 'guest-agent' as const,
  };
  const agent = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: agentId, args: [{ vmId: agentId, spec: agentSpec }] });

  await pulumiOk('cloud-vm', 'up', '--yes', '--skip-preview');
  const { workflows } = JSON.parse((await pulumiOk('cloud-vm', 'stack', 'output', '--json')).stdout) as { workflows: string[] };
  expect(workflows).toHaveLength(2);
  const results = await Promise.all(workflows.map((id) => client.workflow.getHandle(id).result() as Promise<ProvisionVmResult>));

  const settle = hostRef('settle-1');
  const pool = { name: inventory.storagePool.name, path: inventory.storagePool.path };
  const overlays = [];
  for (const result of results) {
    // Booted on an undersubscribed host, settled on the oversubscribed one, and running there.
    expect(result).toMatchObject({ settled: true, host: 'settle-1', bootSource: 'guest' });
    expect(result.bootHost).toMatch(/^boot-[12]$/);
    expect(await hypervisor.domainState(settle, result.domainName)).toMatchObject({ state: 'running' });
    // The migration copied the VM's own layer only: tens of MiB, not the 150 MiB base.
    expect(result.migrateDiskMiB).toBeGreaterThan(0);
    expect(result.migrateDiskMiB).toBeLessThan(150);

    const overlay = await hypervisor.volumeInfo(settle, pool, overlayVolumeOf(result.domainName));
    expect(overlay).toMatchObject({ format: 'qcow2', capacityBytes: 4 * 1024 ** 3 });
    expect(overlay!.backingVolume).toMatch(/^debian-12-cloud-[0-9a-f]{16}\.qcow2$/);
    overlays.push(overlay!);
    // Nothing of the VM is left where it booted: its disk there was deleted after the move, its seed before it.
    const boot = hostRef(result.bootHost);
    expect(await hypervisor.volumeInfo(boot, pool, overlayVolumeOf(result.domainName))).toBeNull();
    for (const host of inventory.hosts) expect(await hypervisor.volumeInfo(hostRef(host.name), pool, seedVolumeOf(result.domainName))).toBeNull();

    const events = await historyOf(result.vmId);
    // The boot-complete report is cloud-init's own phone_home post, through the gateway, with its form fields.
    const reports = await bootReports(client, await client.workflow.getHandle(result.vmId).fetchHistory());
    expect(reports).toEqual([
      { source: 'guest', nonce: expect.any(String), detail: expect.objectContaining({ via: 'gateway', instanceId: result.vmId, hostname: result.vmId.split('/').pop() }) },
    ]);
    // The seed was ejected and deleted before the migration was even scheduled.
    const detachScheduled = events.find((e) => e.activity === 'detachSeed')!;
    const detachDone = events.findIndex((e) => e.type === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED' && e.scheduledId === detachScheduled.id);
    const migrateScheduled = events.findIndex((e) => e.activity === 'migrateVm');
    expect(detachDone).toBeGreaterThan(0);
    expect(detachDone).toBeLessThan(migrateScheduled);
  }
  // Two disks of their own over one base, which is cached on the settle host too (no storage is shared).
  expect(overlays[0]!.path).not.toBe(overlays[1]!.path);
  expect(overlays[0]!.backingVolume).toBe(overlays[1]!.backingVolume);
  expect(await hypervisor.volumeInfo(settle, pool, overlays[0]!.backingVolume!)).toMatchObject({ format: 'qcow2' });

  // The guest-agent VM: its boot-complete is the agent's report that cloud-init is done, with no phone_home at all.
  const agentResult = await agent.result();
  expect(agentResult).toMatchObject({ settled: true, host: 'settle-1', bootSource: 'guest-agent' });
  expect(await bootReports(client, await agent.fetchHistory())).toEqual([
    { source: 'guest-agent', detail: expect.objectContaining({ via: 'guest-agent', cloudInit: 'done' }) },
  ]);
  expect(await hypervisor.domainState(settle, agentResult.domainName)).toMatchObject({ state: 'running' });

  const everyVm = [...results, agentResult];
  const domains = await observeHypervisor(hypervisor, inventory);
  const volumes = await observeVolumes(hypervisor, inventory);
  expect(volumes.map((v) => `${v.host}:${v.name}`).sort()).toEqual(everyVm.map((r) => `settle-1:${overlayVolumeOf(r.domainName)}`).sort());
  expect(await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory, domains, volumes })).toMatchObject({ ok: true, vms: 3 });

  // `pulumi destroy` takes its two VMs and their disks, and leaves the VM it does not own alone.
  await pulumiOk('cloud-vm', 'destroy', '--yes', '--skip-preview');
  expect((await observeHypervisor(hypervisor, inventory)).map((d) => `${d.host}:${d.name}`)).toEqual([`settle-1:${agentResult.domainName}`]);
  expect((await observeVolumes(hypervisor, inventory)).map((v) => `${v.host}:${v.name}`)).toEqual([`settle-1:${overlayVolumeOf(agentResult.domainName)}`]);
  expect((await ledgerSnapshot(env)).counts.vms).toBe(1);

  const gone = await client.workflow.execute(decommissionVm, {
    taskQueue: env.taskQueue,
    workflowId: `${agentId}/decommission`,
    args: [{ vmId: agentId, provisionWorkflowId: agentId, fleet: env.fleet }],
  });
  expect(gone.deletedVolumes).toEqual([`settle-1:${overlayVolumeOf(agentResult.domainName)}`]);
  expect(await observeHypervisor(hypervisor, inventory)).toEqual([]);
  expect(await observeVolumes(hypervisor, inventory)).toEqual([]);
  expect((await ledgerSnapshot(env)).counts.vms).toBe(0);
});
