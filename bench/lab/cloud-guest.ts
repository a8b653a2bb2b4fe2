// A Debian cloud guest booted without bootshift, as a plain script (or a dense-only scheduler) would: its own
// copy-on-write disk over the base in the host's pool, a NoCloud seed whose cloud-config phones home to a test catcher,
// defined and started. Built from bootshift's own parts (the libvirt adapter, the domain XML, the seed builder, the
// content-keyed base volume), so the guest, its disk layout and its XML are the ones bootshift would make and the
// comparison isolates the workflow around them. The pool is the inventory's, so bootshift finds the same base there.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HostRef, Hypervisor, PoolRef } from '../../activities/hypervisor';
import { SEED_DEVICE } from '../../activities/hypervisor';
import { createImageCatalog, type BaseImage } from '../../activities/images';
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { cloudInitSeed } from '../../activities/phone-home';
import { buildSeedImage } from '../../activities/seed-image';
import { CLOUD_IMAGE } from '../../devenv/tools';
import type { HostConfig, Inventory } from '../../domain';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import type { ProvisionVmInput } from '../../workflows/types';

const GiB = 1024 ** 3;

export const hypervisor: Hypervisor = createLibvirtHypervisor();

export const hostRefOf = (host: HostConfig): HostRef => ({ name: host.name, uri: host.uri, migrationAddress: host.migrationAddress, domainType: host.domainType });

/** The lab's cloud image as bootshift keys it (`debian-12-cloud-<sha256 prefix>.qcow2`). */
export async function cloudBase(inventory: Inventory): Promise<BaseImage & { file: string }> {
  const base = await createImageCatalog().find(inventory, CLOUD_IMAGE);
  if (!base?.file) throw new Error(`${CLOUD_IMAGE} not found in the lab's imageDirs (${inventory.imageDirs.join(', ')}): run scripts/install-lab`);
  return { ...base, file: base.file };
}

/** The inventory's pool on the host (created if missing). */
export async function poolOn(host: HostConfig, inventory: Inventory): Promise<PoolRef> {
  const { path: poolPath } = await hypervisor.ensurePool(hostRefOf(host), inventory.storagePool);
  return { name: inventory.storagePool.name, path: poolPath };
}

/** Uploads the base into the host's pool unless a complete copy is there already; returns ms spent (0 if cached). */
export async function ensureBaseOn(host: HostConfig, pool: PoolRef, base: BaseImage & { file: string }): Promise<number> {
  const ref = hostRefOf(host);
  const info = await hypervisor.volumeInfo(ref, pool, base.volume);
  if (info?.physicalBytes === base.physicalBytes) return 0;
  const start = performance.now();
  if (info) await hypervisor.deleteVolume(ref, pool, base.volume);
  await hypervisor.createVolume(ref, pool, { name: base.volume, capacityBytes: base.capacityBytes, format: base.format });
  await hypervisor.uploadVolume(ref, pool, base.volume, base.file);
  return Math.round(performance.now() - start);
}

export interface PlainCloudGuest {
  name: string;
  host: HostConfig;
  pool: PoolRef;
  base: BaseImage;
  catcher: PhoneHomeCatcher;
  consoleDir: string;
  memoryMiB?: number;
  diskGiB?: number;
  /** The QEMU guest agent's channel, as bootshift gives a guest-agent VM. */
  guestAgent?: boolean;
}

export const diskVolumeOf = (name: string) => `${name}.qcow2`;
export const seedVolumeOf = (name: string) => `${name}-seed.iso`;

/**
 * Disk, seed, define, start: what bootshift's defineAndStartVm does on a host whose pool already holds the base.
 * Returns when the domain runs; the guest then phones home to `catcher.guestUrl(name)`.
 */
export async function startPlainCloudGuest(guest: PlainCloudGuest): Promise<void> {
  const ref = hostRefOf(guest.host);
  const disk = diskVolumeOf(guest.name);
  await hypervisor.createVolume(ref, guest.pool, { name: disk, capacityBytes: (guest.diskGiB ?? 4) * GiB, format: 'qcow2', backingVolume: guest.base.volume });
  const seed = cloudInitSeed({ vmId: guest.name, hostname: guest.name, phoneHomeUrl: guest.catcher.guestUrl(guest.name) });
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-seed-'));
  try {
    const iso = await buildSeedImage({ seed, output: path.join(dir, 'seed.iso') });
    await hypervisor.createVolume(ref, guest.pool, { name: seedVolumeOf(guest.name), capacityBytes: statSync(iso).size, format: 'raw' });
    await hypervisor.uploadVolume(ref, guest.pool, seedVolumeOf(guest.name), iso);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await hypervisor.defineAndStart(ref, {
    name: guest.name,
    uuid: randomUUID(),
    vcpus: 1,
    memoryMiB: guest.memoryMiB ?? 512,
    image: { kind: 'disk', disk: path.posix.join(guest.pool.path, disk), seed: path.posix.join(guest.pool.path, seedVolumeOf(guest.name)) },
    consoleLog: path.join(guest.consoleDir, `${guest.name}.log`),
    ...(guest.guestAgent && { guestAgent: true }),
    metadata: { vmId: guest.name, fleet: 'bench' },
  });
}

/** As bootshift does once the boot is complete: the seed ejected and deleted, so the disk is all that could travel. */
export async function dropSeed(host: HostConfig, pool: PoolRef, name: string): Promise<void> {
  await hypervisor.ejectMedia(hostRefOf(host), name, SEED_DEVICE);
  await hypervisor.deleteVolume(hostRefOf(host), pool, seedVolumeOf(name));
}

/** Destroys and undefines the guest and deletes its disk and seed on the host; whatever is already gone is fine. */
export async function removePlainCloudGuest(host: HostConfig, pool: PoolRef, name: string): Promise<void> {
  const ref = hostRefOf(host);
  await hypervisor.destroy(ref, name).catch(() => undefined);
  for (const volume of [diskVolumeOf(name), seedVolumeOf(name)]) await hypervisor.deleteVolume(ref, pool, volume).catch(() => undefined);
}

/**
 * The same Debian cloud VM (1 vCPU, 512 MiB, a 4 GiB disk over the base) asked of bootshift, so that the benchmarks
 * that boot cloud guests measure one shape. `bench` keeps each benchmark's workflow ids apart.
 */
export function benchCloudVmInput(opts: {
  bench: string;
  fleet: string;
  name: string;
  bootSignal: 'phone-home' | 'guest-agent';
  bootTimeoutSeconds: number;
}): ProvisionVmInput {
  return {
    vmId: `vm/bench/${opts.bench}/${opts.name}`,
    spec: {
      name: opts.name,
      vcpus: 1,
      memoryMiB: 512,
      image: { kind: 'cloud', volume: CLOUD_IMAGE, diskGiB: 4 },
      bootSignal: opts.bootSignal,
      bootTimeoutSeconds: opts.bootTimeoutSeconds,
      waitFor: 'settled',
      fleet: opts.fleet,
    },
  };
}
