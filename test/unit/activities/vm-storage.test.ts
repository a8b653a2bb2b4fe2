// A VM's storage through the Hypervisor port, on the simulated hypervisor (libvirt's storage rules): the base cached
// once per host and keyed by content, a copy-on-write disk per VM, the target of a migration between hosts that share no
// storage prepared fresh (the base copied from the source when the worker has no file), and deletion of a VM's own
// volumes only. Activity context (for heartbeats while waiting on another worker's upload) comes from
// MockActivityEnvironment.
import { randomUUID } from 'node:crypto';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { type HostRef, type Hypervisor, type PoolRef } from '../../../activities/hypervisor';
import { createImageCatalog, type BaseImage } from '../../../activities/images';
import { createSimulatedHypervisor } from '../../../activities/simulated-hypervisor';
import { createVmStorage } from '../../../activities/vm-storage';
import { waitFor } from '../../../devenv/wait';
import { Failure, domainNameFor, overlayVolumeOf, parseInventory, seedVolumeOf, type Inventory } from '../../../domain';
import { GiB, callsOf, recording, tempDir, writeQcow2 } from '../../helpers/images';

const boot: HostRef = { name: 'boot-1', uri: 'test:///boot-1' };
const settle: HostRef = { name: 'settle-1', uri: 'test:///settle-1' };
const pool: PoolRef = { name: 'bootshift', path: '/var/lib/bootshift-test' };
/** What a freshly created (empty) qcow2 volume holds in the simulated hypervisor: a header. */
const FRESH_QCOW2_BYTES = 196_616;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function imageDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

function inventoryWith(imageDirs: string[]): Inventory {
  return parseInventory({
    fleet: 'f',
    imageDirs,
    storagePool: pool,
    hosts: [
      { name: boot.name, uri: boot.uri, cpus: 2, memoryMiB: 4096, pool: 'boot' },
      { name: settle.name, uri: settle.uri, cpus: 2, memoryMiB: 4096, pool: 'settle' },
    ],
  });
}

function setup() {
  const sim = createSimulatedHypervisor({ hosts: [boot, settle] });
  const { hypervisor, calls } = recording(sim);
  const storage = createVmStorage({ hypervisor, images: createImageCatalog(), pollMs: 5 });
  return { sim, hypervisor, calls, storage };
}

/** An activity context to run in; its heartbeats are counted. */
function activityEnv() {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { env, heartbeats, run: <T>(fn: () => Promise<T>): Promise<T> => env.run(fn) as Promise<T> };
}

const uniqueDomain = (name: string) => domainNameFor(`vm/test/${randomUUID().slice(0, 8)}/${name}`);

/** A base image file in a fresh imageDir, and the catalog's view of it. */
async function baseFile(storage: ReturnType<typeof setup>['storage'], opts: { name?: string; virtualBytes?: number; fileBytes?: number; fill?: number } = {}) {
  const dir = imageDir();
  const name = opts.name ?? 'debian-12.qcow2';
  const written = writeQcow2(dir, name, { virtualBytes: opts.virtualBytes ?? 2 * GiB, ...(opts.fileBytes && { fileBytes: opts.fileBytes }), ...(opts.fill !== undefined && { fill: opts.fill }) });
  const inventory = inventoryWith([dir]);
  const base = (await storage.base(inventory, name)) as BaseImage;
  return { dir, name, inventory, base, ...written };
}

describe('ensureBase', () => {
  test('concurrent first uses of one base on one host upload it once, and all get the complete volume', async () => {
    const { sim, storage } = setup();
    const { base } = await baseFile(storage, { fileBytes: 70_000 });
    let uploads = 0;
    sim.inject('uploadVolume', () => {
      uploads += 1;
      return undefined;
    });
    const { run } = activityEnv();
    const results = await run(() => Promise.all([1, 2, 3, 4].map(() => storage.ensureBase(boot, pool, base))));
    expect(uploads).toBe(1);
    for (const info of results) {
      expect(info).toMatchObject({ name: base.volume, format: 'qcow2', capacityBytes: 2 * GiB, physicalBytes: 70_000 });
    }
    // Later uses find it complete and upload nothing.
    await run(() => storage.ensureBase(boot, pool, base));
    expect(uploads).toBe(1);
    await expect(sim.listVolumes(boot, pool)).resolves.toEqual([base.volume]);
  });

  test('a second worker that finds another worker uploading the same base waits for that upload instead of making its own', async () => {
    const { sim, storage: first } = setup();
    const { base } = await baseFile(first, { fileBytes: 80_000 });
    // The first worker's upload stalls until released; the second worker is another process (its own VmStorage).
    let entered!: () => void;
    const uploading = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowUploads: Hypervisor = new Proxy(sim, {
      get(target, prop, receiver) {
        if (prop !== 'uploadVolume') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<Hypervisor['uploadVolume']>) => {
          entered();
          await gate;
          return target.uploadVolume(...args);
        };
      },
    });
    let uploads = 0;
    sim.inject('uploadVolume', () => {
      uploads += 1;
      return undefined;
    });
    const workerA = createVmStorage({ hypervisor: slowUploads, images: createImageCatalog(), pollMs: 5 });
    const workerB = createVmStorage({ hypervisor: sim, images: createImageCatalog(), pollMs: 5 });
    const a = activityEnv();
    const b = activityEnv();

    const fromA = a.run(() => workerA.ensureBase(boot, pool, base));
    await uploading;
    const fromB = b.run(() => workerB.ensureBase(boot, pool, base));
    // B is waiting (it heartbeats what it waits for) while A's upload has not finished.
    await waitFor(() => b.heartbeats.length >= 2, { timeoutMs: 5000, intervalMs: 5, what: 'two heartbeats of the waiting upload' });
    expect(b.heartbeats[0]).toMatchObject({ waitingForUpload: base.volume });
    expect(uploads).toBe(0);
    release();
    const [infoA, infoB] = await Promise.all([fromA, fromB]);
    expect(uploads).toBe(1);
    expect(infoA).toMatchObject({ name: base.volume, physicalBytes: 80_000, capacityBytes: 2 * GiB });
    expect(infoB).toEqual(infoA);
  });

  test('two different files with one name are two different base volumes (the content hash is in the name)', async () => {
    const { sim, storage } = setup();
    const one = await baseFile(storage, { name: 'ubuntu.qcow2', fill: 0x01 });
    const two = await baseFile(storage, { name: 'ubuntu.qcow2', fill: 0x02 });
    expect(one.sha256).not.toBe(two.sha256);
    expect(one.base.volume).toBe(`ubuntu-${one.sha256.slice(0, 16)}.qcow2`);
    expect(two.base.volume).toBe(`ubuntu-${two.sha256.slice(0, 16)}.qcow2`);
    const { run } = activityEnv();
    await run(() => storage.ensureBase(boot, pool, one.base));
    await run(() => storage.ensureBase(boot, pool, two.base));
    await expect(sim.listVolumes(boot, pool)).resolves.toEqual([one.base.volume, two.base.volume].sort());
  });

  test('a file replaced by another of the same name, size and modification time becomes a new base volume', async () => {
    const { storage } = setup();
    const dir = imageDir();
    const inventory = inventoryWith([dir]);
    // Images copied with their timestamps kept (cp -p, rsync -t, tar) or rebuilt reproducibly share an mtime.
    const mtime = 1_700_000_000;
    const first = writeQcow2(dir, 'rocky.qcow2', { virtualBytes: 2 * GiB, fill: 0x11 });
    utimesSync(first.file, mtime, mtime);
    const before = (await storage.base(inventory, 'rocky.qcow2')) as BaseImage;
    expect(before.volume).toBe(`rocky-${first.sha256.slice(0, 16)}.qcow2`);
    const second = writeQcow2(dir, 'rocky.qcow2', { virtualBytes: 2 * GiB, fill: 0x22 });
    utimesSync(second.file, mtime, mtime);
    const after = (await storage.base(inventory, 'rocky.qcow2')) as BaseImage;
    expect(after.volume).toBe(`rocky-${second.sha256.slice(0, 16)}.qcow2`);
  });

  test('a base left incomplete by an uploader that stopped is deleted and uploaded again', async () => {
    const { sim, calls, storage } = setup();
    const { base } = await baseFile(storage, { fileBytes: 90_000 });
    // A worker died after creating the volume: it holds a qcow2 header and never grows.
    await sim.createVolume(boot, pool, { name: base.volume, capacityBytes: base.capacityBytes, format: 'qcow2' });
    let uploads = 0;
    sim.inject('uploadVolume', () => {
      uploads += 1;
      return undefined;
    });
    // The stall threshold is 60 s of wall time: each look at the volume is made to seem 40 s after the previous one.
    let skew = 0;
    const realNow = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
    sim.inject('volumeInfo', () => {
      skew += 40_000;
      return undefined;
    });
    const { run, heartbeats } = activityEnv();
    try {
      const info = await run(() => storage.ensureBase(boot, pool, base));
      expect(info).toMatchObject({ name: base.volume, physicalBytes: 90_000, capacityBytes: 2 * GiB });
    } finally {
      clock.mockRestore();
    }
    expect(heartbeats.length).toBeGreaterThan(0); // it waited for the other upload first
    expect(callsOf(calls, 'deleteVolume', { host: boot.name, arg: [2, base.volume] })).toHaveLength(1);
    expect(uploads).toBe(1);
  });

  test('a base only the hosts have (no file) is used as it is, and a missing one is an InvalidVmSpec naming image.volume', async () => {
    const { sim, storage } = setup();
    await sim.createVolume(boot, pool, { name: 'placed.qcow2', capacityBytes: GiB, format: 'qcow2' });
    const inventory = inventoryWith([]);
    const { run } = activityEnv();
    await expect(run(async () => storage.ensureBase(boot, pool, await storage.base(inventory, 'placed.qcow2')))).resolves.toMatchObject({ name: 'placed.qcow2' });
    const missing = await run(async () => storage.ensureBase(settle, pool, await storage.base(inventory, 'placed.qcow2'))).catch((e: unknown) => e);
    expect(missing).toMatchObject({ type: Failure.InvalidVmSpec, nonRetryable: true, details: [[{ path: 'image.volume' }]] });
  });
});

describe('freshDisk', () => {
  test("each VM gets its own overlay, backed by the base and sized diskGiB; the base is never a VM's disk", async () => {
    const { sim, calls, storage } = setup();
    const { base } = await baseFile(storage);
    const { run } = activityEnv();
    const baseInfo = await run(() => storage.ensureBase(boot, pool, base));
    const [a, b] = [uniqueDomain('a'), uniqueDomain('b')];
    const diskA = await storage.freshDisk(boot, pool, { domainName: a, base: base.volume, diskGiB: 4 });
    const diskB = await storage.freshDisk(boot, pool, { domainName: b, base: base.volume, diskGiB: 8 });
    expect(diskA).toBe(path.posix.join(pool.path, overlayVolumeOf(a)));
    expect(diskB).toBe(path.posix.join(pool.path, overlayVolumeOf(b)));
    expect([diskA, diskB]).not.toContain(baseInfo.path);
    await expect(sim.volumeInfo(boot, pool, overlayVolumeOf(a))).resolves.toMatchObject({ path: diskA, format: 'qcow2', capacityBytes: 4 * GiB, backingVolume: base.volume });
    await expect(sim.volumeInfo(boot, pool, overlayVolumeOf(b))).resolves.toMatchObject({ path: diskB, format: 'qcow2', capacityBytes: 8 * GiB, backingVolume: base.volume });
    // The base is untouched by its VMs.
    await expect(sim.volumeInfo(boot, pool, base.volume)).resolves.toEqual(baseInfo);
    // Asked again (a boot retried before its domain was defined), the disk is made anew: nothing has used it yet.
    const deletes = callsOf(calls, 'deleteVolume').length;
    await expect(storage.freshDisk(boot, pool, { domainName: a, base: base.volume, diskGiB: 4 })).resolves.toBe(diskA);
    expect(callsOf(calls, 'deleteVolume')).toHaveLength(deletes + 1);
  });

  test('a disk of that name left over from something else (another base, another size) is not taken as the VM disk', async () => {
    const { sim, storage } = setup();
    const { base } = await baseFile(storage);
    const { run } = activityEnv();
    await run(() => storage.ensureBase(boot, pool, base));
    const domain = uniqueDomain('reused');
    // Left behind on this host by an earlier VM of the same name: a plain 1 GiB disk, over no base at all.
    await sim.createVolume(boot, pool, { name: overlayVolumeOf(domain), capacityBytes: GiB, format: 'qcow2' });
    await storage.freshDisk(boot, pool, { domainName: domain, base: base.volume, diskGiB: 4 });
    await expect(sim.volumeInfo(boot, pool, overlayVolumeOf(domain))).resolves.toMatchObject({ capacityBytes: 4 * GiB, backingVolume: base.volume });
  });
});

describe('prepareTarget', () => {
  async function vmOnBoot(storage: ReturnType<typeof setup>['storage'], sim: ReturnType<typeof setup>['sim']) {
    const file = await baseFile(storage, { fileBytes: 100_000 });
    const { run } = activityEnv();
    const baseInfo = await run(() => storage.ensureBase(boot, pool, file.base));
    const domain = uniqueDomain('mover');
    const disk = await storage.freshDisk(boot, pool, { domainName: domain, base: file.base.volume, diskGiB: 10 });
    await sim.defineAndStart(boot, { name: domain, uuid: randomUUID(), vcpus: 1, memoryMiB: 128, image: { kind: 'disk', disk } });
    return { ...file, baseInfo, domain, disk, run };
  }

  test('replaces a stale disk of the same name on the target with a fresh one of the source size, over the base', async () => {
    const { sim, calls, storage } = setup();
    const vm = await vmOnBoot(storage, sim);
    // A stale copy of the VM's disk on the target (say, from a migration that failed while the target was cut off).
    const stale = path.join(imageDir(), 'stale.raw');
    writeFileSync(stale, Buffer.alloc(300_000, 0x5a));
    await sim.createVolume(settle, pool, { name: overlayVolumeOf(vm.domain), capacityBytes: 5 * GiB, format: 'qcow2' });
    await sim.uploadVolume(settle, pool, overlayVolumeOf(vm.domain), stale);
    // As it is, libvirt refuses to copy into it.
    await expect(sim.migrate({ domain: vm.domain, from: boot, to: settle, copyStorage: true })).rejects.toMatchObject({ type: Failure.MigrationFailed });

    await expect(vm.run(() => storage.prepareTarget({ host: boot, pool }, { host: settle, pool }, vm.domain, vm.inventory))).resolves.toBe(true);
    expect(callsOf(calls, 'deleteVolume', { host: settle.name, arg: [2, overlayVolumeOf(vm.domain)] })).toHaveLength(1);
    await expect(sim.volumeInfo(settle, pool, overlayVolumeOf(vm.domain))).resolves.toMatchObject({
      format: 'qcow2',
      capacityBytes: 10 * GiB,
      physicalBytes: FRESH_QCOW2_BYTES,
      backingVolume: vm.base.volume,
    });
    // The worker had the base's file: it was uploaded from there, nothing was downloaded.
    await expect(sim.volumeInfo(settle, pool, vm.base.volume)).resolves.toMatchObject({ capacityBytes: 2 * GiB, physicalBytes: 100_000 });
    expect(callsOf(calls, 'downloadVolume')).toHaveLength(0);
    expect(callsOf(calls, 'uploadVolume', { host: settle.name, arg: [2, vm.base.volume] })).toHaveLength(1);
    // And now the incremental copy is possible.
    await expect(sim.migrate({ domain: vm.domain, from: boot, to: settle, copyStorage: true })).resolves.toMatchObject({ durationMs: expect.any(Number) });
  });

  test('copies the base from the source host when the worker has no file for it (download, then upload)', async () => {
    const { sim, calls, storage } = setup();
    const vm = await vmOnBoot(storage, sim);
    const noFiles = inventoryWith([]);
    await expect(vm.run(() => storage.prepareTarget({ host: boot, pool }, { host: settle, pool }, vm.domain, noFiles))).resolves.toBe(true);
    const downloads = callsOf(calls, 'downloadVolume');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({ host: boot.name, args: [expect.anything(), expect.anything(), vm.base.volume, expect.any(String)] });
    const uploads = callsOf(calls, 'uploadVolume', { host: settle.name, arg: [2, vm.base.volume] });
    expect(uploads).toHaveLength(1);
    // What was uploaded is what was downloaded.
    expect(uploads[0]!.args[3]).toBe(downloads[0]!.args[3]);
    const copied = await sim.volumeInfo(settle, pool, vm.base.volume);
    expect(copied).toMatchObject({ format: vm.baseInfo.format, capacityBytes: vm.baseInfo.capacityBytes, physicalBytes: vm.baseInfo.physicalBytes });
    await expect(sim.volumeInfo(settle, pool, overlayVolumeOf(vm.domain))).resolves.toMatchObject({ capacityBytes: 10 * GiB, backingVolume: vm.base.volume });
    await expect(sim.migrate({ domain: vm.domain, from: boot, to: settle, copyStorage: true })).resolves.toMatchObject({ durationMs: expect.any(Number) });
  });

  test('a VM without a disk of its own (kernel image) needs no preparation and nothing is made on the target', async () => {
    const { sim, storage } = setup();
    const { run } = activityEnv();
    await expect(run(() => storage.prepareTarget({ host: boot, pool }, { host: settle, pool }, uniqueDomain('kernel'), inventoryWith([])))).resolves.toBe(false);
    await expect(sim.listVolumes(settle, pool)).resolves.toEqual([]);
  });
});

describe('deleteOwned', () => {
  test("deletes only that VM's disk and seed: never the base, never another VM's volumes", async () => {
    const { sim, storage } = setup();
    const { base } = await baseFile(storage);
    const { run } = activityEnv();
    await run(() => storage.ensureBase(boot, pool, base));
    const [a, b] = [uniqueDomain('a'), uniqueDomain('b')];
    for (const domain of [a, b]) {
      await storage.freshDisk(boot, pool, { domainName: domain, base: base.volume, diskGiB: 4 });
      await sim.createVolume(boot, pool, { name: seedVolumeOf(domain), capacityBytes: 374_784, format: 'raw' });
    }
    await expect(storage.deleteOwned(boot, pool, a)).resolves.toEqual([overlayVolumeOf(a), seedVolumeOf(a)]);
    await expect(sim.listVolumes(boot, pool)).resolves.toEqual([base.volume, overlayVolumeOf(b), seedVolumeOf(b)].sort());
    // Again: nothing of its own is left, and nothing else goes.
    await expect(storage.deleteOwned(boot, pool, a)).resolves.toEqual([]);
    await expect(sim.listVolumes(boot, pool)).resolves.toHaveLength(3);
  });
});
