// Where a VM's image comes from, as the worker sees it. Only the inventory's imageDirs are allowed: a kernel or initrd
// path must lie inside one (normalised first, so "/images/../dev/sda" is not inside "/images"), and a cloud image's
// base is a file of the requested name in one of them, keyed by its content (sha256) so that two files with one name
// are never confused. Without such a file, the base is a volume the operator put into the hosts' pools by that name.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { Failure, baseVolumeOf, isInside, normalizePath, type Inventory } from '../domain';

/** What the worker can learn of an image file without a hypervisor. */
export interface ImageFacts {
  format: 'qcow2' | 'raw';
  /** The disk size a guest sees. */
  capacityBytes: number;
  /** The file's size: what an upload must fill. */
  physicalBytes: number;
}

/** A qcow2 file's virtual size is in its header (big-endian u64 at offset 24); anything else is raw. */
export function readImageFacts(file: string): ImageFacts {
  const physicalBytes = statSync(file).size;
  const header = Buffer.alloc(32);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) === 0x514649fb) return { format: 'qcow2', capacityBytes: Number(header.readBigUInt64BE(24)), physicalBytes };
  return { format: 'raw', capacityBytes: physicalBytes, physicalBytes };
}

/** A base image: the pool volume VMs' disks are layered on, and the file it is uploaded from, when the worker has one. */
export interface BaseImage extends ImageFacts {
  volume: string;
  file?: string;
}

export interface ImageCatalog {
  /** The file named `name` in the fleet's imageDirs, as a content-keyed base; undefined when there is none. */
  find(inventory: Inventory, name: string): Promise<BaseImage | undefined>;
  /** The file a content-keyed base volume was made from, if the worker still has it. */
  fileOf(inventory: Inventory, volume: string): Promise<BaseImage | undefined>;
}

/** One problem the worker found with a VM spec, named by its field as the domain's own validation names them. */
export interface SpecIssue {
  path: string;
  rule: string;
}

/**
 * The failure for a spec only the worker can judge (it needs the fleet's inventory and hosts). Non-retryable, and its
 * details carry the issues, so `pulumi preview` can name each field.
 */
export function invalidVmSpec(issues: SpecIssue[]): ApplicationFailure {
  const lines = issues.map((i) => `${i.path}: ${i.rule}`);
  return ApplicationFailure.create({ message: `invalid VM spec:\n  ${lines.join('\n  ')}`, type: Failure.InvalidVmSpec, nonRetryable: true, details: [issues] });
}

/** Paths outside the fleet's imageDirs, as issues for the kernel image's files. */
export function pathsOutsideImageDirs(inventory: Inventory, files: Record<string, string>): SpecIssue[] {
  const dirs = inventory.imageDirs;
  return Object.entries(files).flatMap(([field, file]) => {
    if (dirs.some((dir) => isInside(normalizePath(file), normalizePath(dir)))) return [];
    const allowed = dirs.length > 0 ? `one of the fleet's imageDirs (${dirs.join(', ')})` : "the fleet's imageDirs (the inventory lists none)";
    return [{ path: field, rule: `must be a file inside ${allowed}` }];
  });
}

export function createImageCatalog(): ImageCatalog {
  // Hashing a few hundred MB takes a second or two: done once per file version, per process. The version is everything
  // a replacement changes (inode, size, both times): `cp -p` or `rsync -t` keep size and mtime, and two contents under
  // one volume name would corrupt the disks layered on them.
  const hashes = new Map<string, { version: string; sha256: Promise<string> }>();
  const sha256Of = (file: string): Promise<string> => {
    const { ino, size, mtimeMs, ctimeMs } = statSync(file);
    const version = `${ino}:${size}:${mtimeMs}:${ctimeMs}`;
    const known = hashes.get(file);
    if (known && known.version === version) return known.sha256;
    const sha256 = new Promise<string>((resolve, reject) => {
      const hash = createHash('sha256');
      createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', () => resolve(hash.digest('hex')))
        .on('error', reject);
    });
    hashes.set(file, { version, sha256 });
    sha256.catch(() => hashes.delete(file));
    return sha256;
  };
  const fileNamed = (inventory: Inventory, name: string): string | undefined => {
    for (const dir of inventory.imageDirs) {
      const file = path.join(dir, name);
      // A name is one path component (volumeNameSchema), so this stays inside the directory.
      try {
        if (statSync(file).isFile()) return file;
      } catch {
        // not in this directory
      }
    }
    return undefined;
  };
  const find = async (inventory: Inventory, name: string): Promise<BaseImage | undefined> => {
    const file = fileNamed(inventory, name);
    if (!file) return undefined;
    return { volume: baseVolumeOf(name, await sha256Of(file)), file, ...readImageFacts(file) };
  };
  return {
    find,
    async fileOf(inventory, volume) {
      // `debian-12-cloud-<16 hex>.qcow2` was made from `debian-12-cloud.qcow2` with that hash prefix.
      const match = /^(.*)-[0-9a-f]{16}(\.[^.]*)?$/.exec(volume);
      if (!match) return undefined;
      const base = await find(inventory, `${match[1]}${match[2] ?? ''}`);
      return base?.volume === volume ? base : undefined;
    },
  };
}
