// provisionVm and decommissionVm with cloud images, on a real dev server and the real worker, with the simulated
// hypervisor (libvirt's storage rules) underneath and hosts with local storage: the base is uploaded once per host from
// the inventory's imageDirs, each VM boots from its own copy-on-write disk and a NoCloud seed, the seed is ejected and
// deleted before the VM moves, and the migration copies the VM's disk to the settle host and deletes it on the boot
// host. After each test, the hosts' volumes must say exactly that.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { rmSync } from 'node:fs';
import type { SpecIssue } from '../../activities/images';
import type { SimulatedSnapshot } from '../../activities/simulated-hypervisor';
import { domainNameFor, overlayVolumeOf, seedVolumeOf } from '../../domain/names';
import { check as pulumiCheck, create as pulumiCreate } from '../../pulumi/provider-impl';
import { decommissionVm } from '../../workflows/decommission-vm';
import { callsOf, GiB, tempDir, writeQcow2 } from '../helpers/images';
import { startSimulatedCloudBootshift, type CloudSimHost } from '../helpers/simulated-cloud-bootshift';
import { startBootshiftTestEnv, type BootshiftTestEnv } from '../helpers/temporal-env';

jest.setTimeout(300_000);

let env: BootshiftTestEnv;
let imageDir: string;
const BASE_FILE = 'debian-12-cloud.qcow2';
const BASE_FILE_BYTES = 150_000;
let baseVolume: string;

beforeAll(async () => {
  imageDir = tempDir();
  const { sha256 } = writeQcow2(imageDir, BASE_FILE, { virtualBytes: 2 * GiB, fileBytes: BASE_FILE_BYTES });
  baseVolume = `debian-12-cloud-${sha256.slice(0, 16)}.qcow2`;
  env = await startBootshiftTestEnv();
});
afterAll(async () => {
  await env?.close();
  rmSync(imageDir, { recursive: true, force: true });
});

const hosts = (...settle: string[]): CloudSimHost[] => [
  { name: 'boot-1', pool: 'boot', cpus: 2 },
  { name: 'boot-2', pool: 'boot', cpus: 2 },
  ...settle.map((name): CloudSimHost => ({ name, pool: 'settle', cpus: 2 })),
];

/** Host → volumes of that name, with what the simulated pool says of them. */
function volumesNamed(snapshot: SimulatedSnapshot, name: string) {
  return Object.entries(snapshot).flatMap(([host, h]) => (h.volumes ?? []).filter((v) => v.name === name).map((v) => ({ host, ...v })));
}

function domainsOn(snapshot: SimulatedSnapshot, domain: string): string[] {
  return Object.entries(snapshot).flatMap(([host, h]) => (h.domains.some((d) => d.name === domain) ? [host] : []));
}

const allVolumes = (snapshot: SimulatedSnapshot) => Object.values(snapshot).flatMap((h) => (h.volumes ?? []).map((v) => v.name));

/** The workflow's failure, and the first ApplicationFailure in its cause chain. */
async function failureOf(promise: Promise<unknown>): Promise<{ cause: Error | undefined; application: ApplicationFailure | undefined }> {
  try {
    await promise;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : (err as Error);
    let application: ApplicationFailure | undefined;
    for (let e: unknown = cause; e instanceof Error; e = e.cause) {
      if (e instanceof ApplicationFailure) {
        application = e;
        break;
      }
    }
    return { cause, application };
  }
  throw new Error('expected the workflow to fail');
}

test('two cloud VMs from one base: each settles on its own disk over the base, the seed is gone before the move, nothing is left on the boot hosts', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir] });
  await bs.worker.runUntil(async () => {
    const inputs = [bs.vmInput('web', BASE_FILE), bs.vmInput('api', BASE_FILE)];
    const results = await Promise.all(inputs.map(async (input) => (await bs.start(input)).result()));
    const snapshot = bs.hypervisor.snapshot();

    for (const result of results) {
      expect(result).toMatchObject({ settled: true, host: 'settle-1', settleHost: 'settle-1' });
      // The disk moved with the VM (an incremental copy, not shared storage).
      expect(result.migrateDiskMiB).not.toBeNull();
      const overlays = volumesNamed(snapshot, overlayVolumeOf(result.domainName));
      expect(overlays).toEqual([expect.objectContaining({ host: 'settle-1', format: 'qcow2', capacityBytes: 4 * GiB, backingVolume: baseVolume })]);
      expect(volumesNamed(snapshot, seedVolumeOf(result.domainName))).toEqual([]);
      expect(domainsOn(snapshot, result.domainName)).toEqual(['settle-1']);
      const domain = snapshot['settle-1']!.domains.find((d) => d.name === result.domainName)!;
      expect(domain.disks).toEqual({ vda: overlays[0]!.path, hdc: null });

      // In the order the worker asked: the seed ejected and deleted on the boot host, then the migration.
      // (uploadSeed also deletes the seed name once, before creating it: a fresh seed every time.)
      const indexOf = (pred: (c: (typeof bs.calls)[number]) => boolean, from = 0) => bs.calls.findIndex((c, i) => i >= from && pred(c));
      const ejected = indexOf((c) => c.op === 'ejectMedia' && c.args[1] === result.domainName);
      const seedDeleted = indexOf((c) => c.op === 'deleteVolume' && c.args[2] === seedVolumeOf(result.domainName), ejected);
      const migrated = indexOf((c) => c.op === 'migrate' && (c.args[0] as { domain: string }).domain === result.domainName);
      expect(ejected).toBeGreaterThanOrEqual(0);
      expect(seedDeleted).toBeGreaterThan(ejected);
      expect(migrated).toBeGreaterThan(seedDeleted);
      expect(bs.calls[ejected]!.host).toBe(result.bootHost);
    }
    expect(new Set(results.map((r) => r.domainName)).size).toBe(2);
    expect(allVolumes(snapshot).filter((name) => name.endsWith('-seed.iso'))).toEqual([]);

    // The base: complete on every host a VM used, uploaded once per host (the two migrations shared one upload).
    const usedHosts = [...new Set([...results.map((r) => r.bootHost), 'settle-1'])].sort();
    const bases = volumesNamed(snapshot, baseVolume);
    expect(bases.map((b) => b.host).sort()).toEqual(usedHosts);
    for (const base of bases) expect(base).toMatchObject({ capacityBytes: 2 * GiB, physicalBytes: BASE_FILE_BYTES, format: 'qcow2' });
    for (const host of usedHosts) expect(callsOf(bs.calls, 'uploadVolume', { host, arg: [2, baseVolume] })).toHaveLength(1);
    // The boot hosts keep the cached base and nothing else.
    for (const host of results.map((r) => r.bootHost)) expect((snapshot[host]!.volumes ?? []).map((v) => v.name)).toEqual([baseVolume]);
  });
});

test("with bootSignal 'guest-agent', boot-complete comes from the guest agent once the guest has booted", async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir], bootMs: 500 });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('agent', BASE_FILE, { bootSignal: 'guest-agent' });
    const result = await (await bs.start(input)).result();
    expect(result).toMatchObject({ settled: true, host: 'settle-1', bootSource: 'guest-agent' });
    expect(result.bootMs).toBeGreaterThanOrEqual(500);
    // It was asked on the boot host, and defined with an agent channel.
    expect(callsOf(bs.calls, 'agentCommand', { host: result.bootHost, arg: [1, result.domainName] }).length).toBeGreaterThan(0);
    const domain = bs.hypervisor.snapshot()['settle-1']!.domains.find((d) => d.name === result.domainName);
    expect(domain?.guestAgent).toBe(true);
  });
});

test('a migration that fails on the only settle host leaves the VM on its boot host, on its own disk, and no disk on the settle host', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: [{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 2 }], imageDirs: [imageDir] });
  bs.hypervisor.failNextMigrations('settle-1', 100);
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('stuck', BASE_FILE);
    const result = await (await bs.start(input)).result();
    expect(result).toMatchObject({ settled: false, host: 'boot-1', bootHost: 'boot-1', settleHost: null });
    const snapshot = bs.hypervisor.snapshot();
    expect(domainsOn(snapshot, result.domainName)).toEqual(['boot-1']);
    const overlay = overlayVolumeOf(result.domainName);
    // The target did get a disk to copy into (so there was something to clean up), and it is gone.
    expect(callsOf(bs.calls, 'createVolume', { host: 'settle-1' }).some((c) => (c.args[2] as { name: string }).name === overlay)).toBe(true);
    expect(volumesNamed(snapshot, overlay)).toEqual([expect.objectContaining({ host: 'boot-1', backingVolume: baseVolume, capacityBytes: 4 * GiB })]);
    expect(volumesNamed(snapshot, seedVolumeOf(result.domainName))).toEqual([]);
    const ledger = await bs.ledger.snapshot(bs.fleet);
    expect(ledger.hosts.find((h) => h.name === 'boot-1')!.vms).toEqual([input.vmId]);
    expect(ledger.counts.settleReserved + ledger.counts.committed).toBe(0);
  });
});

test('a migration job that fails once (transiently) is retried on the same settle host, which gets a fresh disk again, and the VM settles there', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: [{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 2 }], imageDirs: [imageDir] });
  // One failure half way through, of the kind libvirt reports for a job that may well succeed when tried again.
  bs.hypervisor.failNextMigrations('settle-1', 1);
  await bs.worker.runUntil(async () => {
    const result = await (await bs.start(bs.vmInput('retried', BASE_FILE))).result();
    // MIGRATION_ATTEMPTS (3) tries on one target before giving up on it: the second one succeeds.
    expect(callsOf(bs.calls, 'migrate')).toHaveLength(2);
    expect(result).toMatchObject({ settled: true, host: 'settle-1' });
    expect(volumesNamed(bs.hypervisor.snapshot(), overlayVolumeOf(result.domainName))).toEqual([
      expect.objectContaining({ host: 'settle-1', backingVolume: baseVolume, capacityBytes: 4 * GiB }),
    ]);
  });
});

test('a spec whose base image exists nowhere fails with InvalidVmSpec naming image.volume, and leaves no domain, volume or reservation', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir] });
  await bs.worker.runUntil(async () => {
    // The fleet's ledger exists already (a no-op release), so that its snapshot can show nothing was reserved.
    await bs.ledger.release(bs.fleet, { reservationId: `probe-${bs.fleet}` });
    const input = bs.vmInput('ghost', 'no-such-image.qcow2');
    const { application } = await failureOf((await bs.start(input)).result());
    expect(application?.type).toBe('InvalidVmSpec');
    expect(application?.nonRetryable).toBe(true);
    const issues = application?.details?.[0] as SpecIssue[];
    expect(issues).toEqual([{ path: 'image.volume', rule: expect.stringContaining('"no-such-image.qcow2"') }]);
    expect(application?.message).toContain('image.volume: ');

    const snapshot = bs.hypervisor.snapshot();
    expect(domainsOn(snapshot, domainNameFor(input.vmId))).toEqual([]);
    expect(allVolumes(snapshot)).toEqual([]);
    expect(callsOf(bs.calls, 'defineAndStart')).toEqual([]);
    const ledger = await bs.ledger.snapshot(bs.fleet);
    expect(ledger.counts).toMatchObject({ vms: 0, bootReserved: 0, settleReserved: 0, committed: 0, queued: 0 });
  });
});

/** What the Pulumi provider is given for a VM of this fleet. */
function providerInputs(bs: { fleet: string; taskQueue: string }, name: string, volume: string) {
  return {
    name,
    vcpus: 1,
    memoryMiB: 128,
    image: { kind: 'cloud' as const, volume, diskGiB: 4 },
    bootSignal: 'phone-home' as const,
    bootTimeoutSeconds: 60,
    waitFor: 'settled' as const,
    fleet: bs.fleet,
    project: 'test',
    stack: bs.fleet,
    connection: { address: env.server.address, namespace: env.server.namespace, taskQueue: bs.taskQueue },
  };
}

test('pulumi preview reports a base image the worker cannot find as a failure of image.volume', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir] });
  await bs.worker.runUntil(async () => {
    const checked = await pulumiCheck({}, providerInputs(bs, 'ghost', 'no-such-image.qcow2'));
    expect(checked.failures).toEqual([{ property: 'image.volume', reason: expect.stringContaining('"no-such-image.qcow2"') }]);
    const good = await pulumiCheck({}, providerInputs(bs, 'fine', BASE_FILE));
    expect(good.failures).toEqual([]);
  });
});

test('a spec the worker refuses at provisioning fails provisionVm with the InvalidVmSpec itself, and pulumi up says which field', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir] });
  await bs.worker.runUntil(async () => {
    // `pulumi up` without a preview (or an image removed since): create runs provisionVm, whose first step refuses it.
    const err = await pulumiCreate(providerInputs(bs, 'ghost-up', 'no-such-image.qcow2')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain('image.volume');
    // As for a spec the domain schema refuses, the workflow's failure is the InvalidVmSpec, not the activity wrapping it.
    const { cause } = await failureOf((await bs.start(bs.vmInput('ghost', 'no-such-image.qcow2'))).result());
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidVmSpec');
  });
});

test('decommissioning a settled cloud VM deletes its disk and leaves the base', async () => {
  const bs = await startSimulatedCloudBootshift(env, { hosts: hosts('settle-1'), imageDirs: [imageDir] });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('shortlived', BASE_FILE);
    const result = await (await bs.start(input)).result();
    expect(result.settled).toBe(true);
    const gone = await env.client.workflow.execute(decommissionVm, {
      taskQueue: bs.taskQueue,
      workflowId: `${input.vmId}/decommission`,
      args: [{ vmId: input.vmId, provisionWorkflowId: input.vmId, fleet: bs.fleet }],
    });
    expect(gone.destroyedOn).toEqual(['settle-1']);
    expect(gone.deletedVolumes).toEqual([`settle-1:${overlayVolumeOf(result.domainName)}`]);
    const snapshot = bs.hypervisor.snapshot();
    expect(domainsOn(snapshot, result.domainName)).toEqual([]);
    expect(volumesNamed(snapshot, overlayVolumeOf(result.domainName))).toEqual([]);
    // The cached base stays on every host that had it, complete, for the next VM.
    const bases = volumesNamed(snapshot, baseVolume);
    expect(bases.map((b) => b.host).sort()).toEqual([result.bootHost, 'settle-1'].sort());
    for (const base of bases) expect(base.physicalBytes).toBe(BASE_FILE_BYTES);
    expect(allVolumes(snapshot).filter((name) => name !== baseVolume)).toEqual([]);
    expect((await bs.ledger.snapshot(bs.fleet)).counts.vms).toBe(0);
  });
});
