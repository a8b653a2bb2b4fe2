// A VM's storage on its hosts, through the Hypervisor port: the base image cached in each host's pool (uploaded on
// first use, once however many VMs ask at the same time), the VM's own copy-on-write disk over it, the NoCloud seed
// as a private volume, and the preparation of a target host that shares no storage with the source (the base there,
// and a fresh, empty disk of the same size for the migration to fill). Every step is idempotent, so an activity that
// is retried after a crash finds what it made before.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Failure, overlayVolumeOf, ownedVolumesOf, seedVolumeOf, type Inventory } from '../domain';
import { HypervisorError, type CloudInitSeed, type HostRef, type Hypervisor, type PoolRef, type VolumeInfo } from './hypervisor';
import { invalidVmSpec, type BaseImage, type ImageCatalog } from './images';
import { buildSeedImage } from './seed-image';

const GiB = 1024 ** 3;

/** How long to wait for another worker's upload of the same base before taking it over (it seems to have died). */
const STALLED_UPLOAD_MS = 60_000;

export interface VmStorageDeps {
  hypervisor: Hypervisor;
  images: ImageCatalog;
  /** How often to look at a volume another worker is uploading (default 2 s). */
  pollMs?: number;
}

export interface VmStorage {
  /** The pool on the host (created if missing), with the path its volumes live under there. */
  pool(host: HostRef, inventory: Inventory): Promise<PoolRef>;
  /** The base image for `volume`, as the worker knows it: a file of its own, or a volume the hosts already hold. */
  base(inventory: Inventory, volume: string): Promise<BaseImage | { volume: string }>;
  ensureBase(host: HostRef, pool: PoolRef, base: BaseImage | { volume: string }, copyFrom?: { host: HostRef; pool: PoolRef }): Promise<VolumeInfo>;
  /**
   * A new, empty disk for the VM over the base (one of that name left by anything earlier is deleted first: its data
   * and its base are not this VM's). Only for a VM whose domain is not defined yet.
   */
  freshDisk(host: HostRef, pool: PoolRef, req: { domainName: string; base: string; diskGiB: number }): Promise<string>;
  /** The seed, made on the worker in a private directory and uploaded as a fresh 0600 volume. */
  uploadSeed(host: HostRef, pool: PoolRef, domainName: string, seed: CloudInitSeed): Promise<string>;
  /**
   * Readies `to` for a live migration that copies the disk from `from`: the base, and a new empty disk of the source's
   * size (never an old one: a stale copy on the target would end up inside the VM's disk). Returns false when the VM
   * has no disk to copy.
   */
  prepareTarget(from: { host: HostRef; pool: PoolRef }, to: { host: HostRef; pool: PoolRef }, domainName: string, inventory: Inventory): Promise<boolean>;
  /** Deletes the VM's own volumes (disk, seed) on one host, and nothing else; returns the names deleted. */
  deleteOwned(host: HostRef, pool: PoolRef, domainName: string): Promise<string[]>;
  /** The VM's volumes a host holds. */
  owned(host: HostRef, pool: PoolRef, domainName: string): Promise<string[]>;
}

function missingImage(volume: string, host: HostRef, pool: PoolRef): ApplicationFailure {
  const rule = `base image "${volume}" is neither a file in the fleet's imageDirs nor a volume in pool ${pool.name} on ${host.name}`;
  return invalidVmSpec([{ path: 'image.volume', rule }]);
}

export function createVmStorage(deps: VmStorageDeps): VmStorage {
  const hv = deps.hypervisor;
  const pollMs = deps.pollMs ?? 2000;
  // One upload per host and base in this process, however many VMs boot from it at once.
  const inFlight = new Map<string, Promise<VolumeInfo>>();

  /** Waits out another worker's upload of the same volume; gives up (null) when it stops growing. */
  async function awaitUpload(host: HostRef, pool: PoolRef, base: BaseImage): Promise<VolumeInfo | null> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const info = await hv.volumeInfo(host, pool, base.volume);
      if (info === null || info.physicalBytes === base.physicalBytes) return info;
      if (info.physicalBytes !== last) [last, lastChange] = [info.physicalBytes, Date.now()];
      else if (Date.now() - lastChange > STALLED_UPLOAD_MS) return null;
      Context.current().heartbeat({ waitingForUpload: base.volume, bytes: info.physicalBytes });
      await delay(pollMs, undefined, { signal: Context.current().cancellationSignal });
    }
  }

  /** What a base copied from another host must look like once here: that host's volume, byte for byte. */
  async function sourceFacts(volume: string, from: { host: HostRef; pool: PoolRef }): Promise<BaseImage> {
    const info = await hv.volumeInfo(from.host, from.pool, volume);
    if (info === null) throw missingImage(volume, from.host, from.pool);
    return { volume, format: info.format === 'raw' ? 'raw' : 'qcow2', capacityBytes: info.capacityBytes, physicalBytes: info.physicalBytes };
  }

  async function upload(host: HostRef, pool: PoolRef, base: BaseImage, copyFrom?: { host: HostRef; pool: PoolRef }): Promise<VolumeInfo> {
    const scratch = base.file ? undefined : mkdtempSync(path.join(tmpdir(), 'bootshift-base-'));
    try {
      let file = base.file;
      if (!file) {
        // The worker no longer has the file: stream the base from a host that has it, through the worker.
        if (!copyFrom) throw missingImage(base.volume, host, pool);
        file = path.join(scratch!, base.volume);
        await hv.downloadVolume(copyFrom.host, copyFrom.pool, base.volume, file);
      }
      const expected = statSync(file).size;
      try {
        await hv.createVolume(host, pool, { name: base.volume, capacityBytes: base.capacityBytes, format: base.format });
      } catch (err) {
        if (!(err instanceof HypervisorError && err.type === Failure.VolumeConflict)) throw err;
        // Someone else is uploading it: wait for theirs; if it stalled, theirs is dead, and it is replaced.
        const theirs = await awaitUpload(host, pool, { ...base, physicalBytes: expected });
        if (theirs) return theirs;
        await hv.deleteVolume(host, pool, base.volume);
        return upload(host, pool, base, copyFrom);
      }
      await hv.uploadVolume(host, pool, base.volume, file);
      const info = await hv.volumeInfo(host, pool, base.volume);
      if (info === null || info.physicalBytes !== expected) {
        await hv.deleteVolume(host, pool, base.volume);
        throw new HypervisorError(`upload of ${base.volume} to ${host.name} was cut short`, Failure.HypervisorUnavailable, false);
      }
      return info;
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  }

  const storage: VmStorage = {
    async pool(host, inventory) {
      const { path: poolPath } = await hv.ensurePool(host, inventory.storagePool);
      return { name: inventory.storagePool.name, path: poolPath };
    },

    async base(inventory, volume) {
      return (await deps.images.find(inventory, volume)) ?? { volume };
    },

    async ensureBase(host, pool, base, copyFrom) {
      // The size the volume must have once complete; unknown only for a base the operator placed (taken as it is).
      const facts = 'file' in base ? base : copyFrom ? await sourceFacts(base.volume, copyFrom) : undefined;
      const info = await hv.volumeInfo(host, pool, base.volume);
      if (info !== null && (facts === undefined || info.physicalBytes === facts.physicalBytes)) return info;
      if (facts === undefined) throw missingImage(base.volume, host, pool);
      const key = `${host.uri}\n${pool.name}\n${base.volume}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = (async () => {
          if (info !== null) {
            // Incomplete, and nobody in this process is uploading it: another worker may be, or one died doing it.
            const theirs = await awaitUpload(host, pool, facts);
            if (theirs) return theirs;
            await hv.deleteVolume(host, pool, base.volume);
          }
          return upload(host, pool, facts, copyFrom);
        })().finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },

    async freshDisk(host, pool, req) {
      const name = overlayVolumeOf(req.domainName);
      await hv.deleteVolume(host, pool, name);
      await hv.createVolume(host, pool, { name, capacityBytes: req.diskGiB * GiB, format: 'qcow2', backingVolume: req.base });
      return path.posix.join(pool.path, name);
    },

    async uploadSeed(host, pool, domainName, seed) {
      const name = seedVolumeOf(domainName);
      const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-seed-'));
      try {
        const iso = await buildSeedImage({ seed, output: path.join(dir, 'seed.iso') });
        // A seed left by an earlier attempt may be half-uploaded: always a fresh one.
        await hv.deleteVolume(host, pool, name);
        await hv.createVolume(host, pool, { name, capacityBytes: statSync(iso).size, format: 'raw' });
        await hv.uploadVolume(host, pool, name, iso);
        return path.posix.join(pool.path, name);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    async prepareTarget(from, to, domainName, inventory) {
      const name = overlayVolumeOf(domainName);
      const source = await hv.volumeInfo(from.host, from.pool, name);
      if (source === null) return false;
      if (source.backingVolume) {
        const base = (await deps.images.fileOf(inventory, source.backingVolume)) ?? { volume: source.backingVolume };
        await storage.ensureBase(to.host, to.pool, base, from);
      }
      await hv.deleteVolume(to.host, to.pool, name);
      await hv.createVolume(to.host, to.pool, {
        name,
        capacityBytes: source.capacityBytes,
        format: 'qcow2',
        ...(source.backingVolume && { backingVolume: source.backingVolume }),
      });
      return true;
    },

    async deleteOwned(host, pool, domainName) {
      const deleted: string[] = [];
      for (const name of ownedVolumesOf(domainName)) if ((await hv.deleteVolume(host, pool, name)).existed) deleted.push(name);
      return deleted;
    },

    async owned(host, pool, domainName) {
      const present = await Promise.all(ownedVolumesOf(domainName).map(async (name) => ((await hv.volumeInfo(host, pool, name)) ? [name] : [])));
      return present.flat();
    },
  };

  return storage;
}
