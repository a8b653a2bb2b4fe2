// checkVm: the worker's judgement of a VM spec against its fleet, before anything is reserved (and at `pulumi preview`):
// kernel and initrd inside the imageDirs, a base image that exists (a file in the imageDirs, or a volume on every host),
// a disk at least as large as the base, a fleet the worker knows. Every refusal is a non-retryable InvalidVmSpec whose
// details[0] lists { path, rule } issues, so the caller can name each field.
import { rmSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { PoolRef } from '../../../activities/hypervisor';
import type { SpecIssue } from '../../../activities/images';
import type { CheckVmInput, InventoryPort } from '../../../activities/ports';
import { createSimulatedHypervisor } from '../../../activities/simulated-hypervisor';
import { createVmActivities } from '../../../activities/vm-activities';
import { Failure, domainNameFor, overlayVolumeOf, parseInventory, seedVolumeOf, type Inventory, type VmSpecInput } from '../../../domain';
import { GiB, tempDir, writeQcow2 } from '../../helpers/images';

const pool: PoolRef = { name: 'bootshift', path: '/var/lib/bootshift-check' };
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fleetOf(opts: { imageDirs: string[]; storage?: 'local' | 'shared'; gatewayUrl?: string }) {
  const fleet = 'check';
  const storage = opts.storage ?? 'local';
  const inventory: Inventory = parseInventory({
    fleet,
    imageDirs: opts.imageDirs,
    storagePool: pool,
    hosts: [
      { name: 'boot-1', uri: 'test:///check/boot-1', cpus: 2, memoryMiB: 4096, pool: 'boot', storage },
      { name: 'settle-1', uri: 'test:///check/settle-1', cpus: 2, memoryMiB: 4096, pool: 'settle', storage },
      { name: 'settle-2', uri: 'test:///check/settle-2', cpus: 2, memoryMiB: 4096, pool: 'settle', storage },
    ],
  });
  const sim = createSimulatedHypervisor({ hosts: inventory.hosts });
  // As the worker's inventory file does: another fleet's name is an UnknownFleet.
  const port: InventoryPort = {
    load: async (name) => {
      if (name !== fleet) throw ApplicationFailure.nonRetryable(`unknown fleet "${name}": inventory.yaml holds fleet "${fleet}"`, Failure.UnknownFleet);
      return inventory;
    },
    host: async (_fleet, name) => inventory.hosts.find((h) => h.name === name)!,
  };
  const activities = createVmActivities({
    hypervisor: sim,
    inventory: port,
    bootCallback: { url: (workflowId) => `${opts.gatewayUrl ?? 'http://127.0.0.1:9'}/boot/${workflowId}`, token: () => 't' },
    workflows: {} as never,
  });
  const refOf = (name: string) => {
    const host = inventory.hosts.find((h) => h.name === name)!;
    return { name: host.name, uri: host.uri };
  };
  const check = (spec: Partial<VmSpecInput>) => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const input: CheckVmInput = { spec: { name: 'vm', vcpus: 1, memoryMiB: 128, fleet, ...spec } as VmSpecInput };
    return env.run(activities.checkVm, input);
  };
  return { fleet, inventory, sim, check, refOf };
}

function imageDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** The InvalidVmSpec failure checkVm throws, checked for its shape; returns its issues. */
async function refusal(run: Promise<unknown>): Promise<SpecIssue[]> {
  const err = await run.then(
    (result) => {
      throw new Error(`expected checkVm to refuse the spec, it returned ${JSON.stringify(result)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.type).toBe(Failure.InvalidVmSpec);
  expect(failure.nonRetryable).toBe(true);
  const issues = failure.details?.[0] as SpecIssue[];
  expect(Array.isArray(issues)).toBe(true);
  for (const issue of issues) expect(issue).toEqual({ path: expect.any(String), rule: expect.any(String) });
  // The message names every issue too.
  for (const issue of issues) expect(failure.message).toContain(`${issue.path}: ${issue.rule}`);
  return issues;
}

const kernel = (k: string, i: string) => ({ image: { kind: 'kernel' as const, kernel: k, initrd: i } });
const cloud = (volume: string, diskGiB: number) => ({ image: { kind: 'cloud' as const, volume, diskGiB } });

describe('kernel images', () => {
  test('a kernel outside the imageDirs is refused, naming image.kernel (and only it)', async () => {
    const { check } = fleetOf({ imageDirs: ['/allowed'] });
    const issues = await refusal(check(kernel('/etc/vmlinuz', '/allowed/initrd.img')));
    expect(issues).toEqual([{ path: 'image.kernel', rule: "must be a file inside one of the fleet's imageDirs (/allowed)" }]);
  });

  test('kernel and initrd inside the imageDirs pass', async () => {
    const { check } = fleetOf({ imageDirs: ['/other', '/allowed'] });
    await expect(check(kernel('/allowed/vmlinuz', '/allowed/sub/initrd.img'))).resolves.toEqual({});
  });

  test('with an https gateway a kernel image is refused at check time, naming image.kind (its guest speaks plain http)', async () => {
    const { check } = fleetOf({ imageDirs: ['/allowed'], gatewayUrl: 'https://gateway.example:8443' });
    const issues = await refusal(check(kernel('/allowed/vmlinuz', '/allowed/initrd.img')));
    expect(issues).toEqual([{ path: 'image.kind', rule: expect.stringMatching(/plain http.*gateway is https.*cloud image/) }]);
  });

  test('"/allowed/../etc/x" is refused by the path rule itself (paths must be normalised), naming the field', async () => {
    const { check } = fleetOf({ imageDirs: ['/allowed'] });
    const issues = await refusal(check(kernel('/allowed/../etc/shadow', '/allowed/./initrd.img')));
    expect(issues).toEqual([
      { path: 'image.kernel', rule: 'must be a normalised absolute path ("/etc/shadow", not "/allowed/../etc/shadow")' },
      { path: 'image.initrd', rule: 'must be a normalised absolute path ("/allowed/initrd.img", not "/allowed/./initrd.img")' },
    ]);
  });

  test('a sibling directory that merely starts with the same name, or the directory itself, is not inside it', async () => {
    const { check } = fleetOf({ imageDirs: ['/allowed'] });
    const issues = await refusal(check(kernel('/allowed-not/vmlinuz', '/allowed')));
    expect(issues.map((i) => i.path)).toEqual(['image.kernel', 'image.initrd']);
    expect(issues.every((i) => i.rule.startsWith('must be a file inside'))).toBe(true);
  });

  test('with no imageDirs at all, every kernel path is refused and the rule says the inventory lists none', async () => {
    const { check } = fleetOf({ imageDirs: [] });
    const issues = await refusal(check(kernel('/boot/vmlinuz', '/boot/initrd.img')));
    expect(issues[0]).toEqual({ path: 'image.kernel', rule: "must be a file inside the fleet's imageDirs (the inventory lists none)" });
  });
});

describe('cloud images', () => {
  test('a base neither in the imageDirs nor on the hosts is refused, naming image.volume and listing the hosts', async () => {
    const dir = imageDir();
    const { check } = fleetOf({ imageDirs: [dir] });
    const issues = await refusal(check(cloud('nowhere.qcow2', 10)));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('image.volume');
    expect(issues[0]!.rule).toContain('"nowhere.qcow2"');
    expect(issues[0]!.rule).toContain(dir);
    expect(issues[0]!.rule).toContain('hosts boot-1, settle-1, settle-2 have no such volume in pool bootshift');
  });

  test('a base volume some hosts lack is refused, listing only those hosts', async () => {
    const { check, sim, refOf } = fleetOf({ imageDirs: [] });
    await sim.createVolume(refOf('boot-1'), pool, { name: 'placed.qcow2', capacityBytes: GiB, format: 'qcow2' });
    await sim.createVolume(refOf('settle-2'), pool, { name: 'placed.qcow2', capacityBytes: GiB, format: 'qcow2' });
    const issues = await refusal(check(cloud('placed.qcow2', 10)));
    expect(issues[0]!.path).toBe('image.volume');
    expect(issues[0]!.rule).toContain('hosts settle-1 have no such volume');
    expect(issues[0]!.rule).not.toMatch(/boot-1|settle-2/);
  });

  test('a base volume every host holds passes, with its virtual size', async () => {
    const { check, sim, refOf } = fleetOf({ imageDirs: [] });
    for (const host of ['boot-1', 'settle-1', 'settle-2']) await sim.createVolume(refOf(host), pool, { name: 'placed.qcow2', capacityBytes: 3 * GiB, format: 'qcow2' });
    await expect(check(cloud('placed.qcow2', 3))).resolves.toEqual({ base: { volume: 'placed.qcow2', capacityBytes: 3 * GiB } });
  });

  test("a disk smaller than the base's virtual size is refused, naming image.diskGiB", async () => {
    const dir = imageDir();
    writeQcow2(dir, 'big.qcow2', { virtualBytes: 5 * GiB + 1 });
    const { check } = fleetOf({ imageDirs: [dir] });
    const issues = await refusal(check(cloud('big.qcow2', 5)));
    expect(issues).toEqual([{ path: 'image.diskGiB', rule: "must be at least 6 (the base image's virtual size is 5.00 GiB)" }]);
  });

  test('a good cloud spec passes and returns the content-keyed base volume and its virtual size', async () => {
    const dir = imageDir();
    const { sha256 } = writeQcow2(dir, 'debian-12.qcow2', { virtualBytes: 2 * GiB });
    const { check, sim } = fleetOf({ imageDirs: [dir] });
    const result = await check({ ...cloud('debian-12.qcow2', 2), bootSignal: 'guest-agent' });
    expect(result).toEqual({ base: { volume: `debian-12-${sha256.slice(0, 16)}.qcow2`, capacityBytes: 2 * GiB } });
    // Checking changes nothing on the hosts.
    expect(Object.values(sim.snapshot()).every((h) => (h.volumes ?? []).length === 0 && h.domains.length === 0)).toBe(true);
  });

  test("a base named like a VM's own volume (another VM's disk or seed) is refused, naming image.volume", async () => {
    // On shared storage every host sees every VM's volumes, so such a name passes the "on every host" rule; used as a
    // base, it would layer this VM over another VM's live disk, or over its seed (user-data and boot token).
    const { check, sim, refOf } = fleetOf({ imageDirs: [], storage: 'shared' });
    const victim = domainNameFor('vm/other-project/prod/db');
    for (const volume of [overlayVolumeOf(victim), seedVolumeOf(victim)]) {
      for (const host of ['boot-1', 'settle-1', 'settle-2']) await sim.createVolume(refOf(host), pool, { name: volume, capacityBytes: GiB, format: 'qcow2' });
      const issues = await refusal(check(cloud(volume, 10)));
      expect(issues.map((i) => i.path)).toEqual(['image.volume']);
    }
  });
});

test('an unknown fleet is refused, naming fleet', async () => {
  const { check } = fleetOf({ imageDirs: ['/allowed'] });
  const issues = await refusal(check({ ...kernel('/allowed/vmlinuz', '/allowed/initrd.img'), fleet: 'elsewhere' }));
  expect(issues).toEqual([{ path: 'fleet', rule: 'unknown fleet "elsewhere": inventory.yaml holds fleet "check"' }]);
});

test('several problems are reported at once', async () => {
  const { check } = fleetOf({ imageDirs: ['/allowed'] });
  const issues = await refusal(check({ ...kernel('/allowed/vmlinuz', '/allowed/initrd.img'), vcpus: 0, memoryMiB: 1 }));
  expect(issues.map((i) => i.path).sort()).toEqual(['memoryMiB', 'vcpus']);
});
