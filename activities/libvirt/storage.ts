// Storage on a libvirt host, through libvirt's own API (virsh pool-*/vol-*), so it works the same on a local lab host
// and on a remote qemu+ssh/qemu+tls one: a dir pool per host, volumes created from XML (0600, qcow2 v3, optionally
// backed by a base volume), uploaded and downloaded as streams through libvirtd. Found by experiment on libvirt 9.0:
// a pool defined twice says "already exists with uuid", an active one "is already active"; a volume created twice
// "exists already"; vol-upload never truncates and there is no rename, so a volume's completeness is judged by its
// file size afterwards.
import path from 'node:path';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { Failure } from '../../domain';
import { HypervisorError, type HostRef, type PoolRef, type VolumeInfo, type VolumeSpec } from '../hypervisor';
import { checkHost, checkPool, checkVolumeName } from './validate';
import { query, queryOrNull, toHypervisorError, virshErrorKind, withXmlFile, type Virsh } from './virsh';

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true });
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, parseAttributeValue: false });

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;
const text = (value: unknown): string => (isNode(value) ? String(value['#text'] ?? '') : typeof value === 'string' ? value : '');

/** Runs a virsh command that may report "already so": that is success. */
async function idempotent(virsh: Virsh, host: HostRef, args: string[], already: RegExp): Promise<void> {
  try {
    await virsh(host.uri, args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    if (!already.test(stderr)) throw toHypervisorError(err, `virsh ${args[0]} on ${host.name}`);
  }
}

function poolXml(pool: PoolRef): string {
  return builder.build({
    pool: {
      '@_type': 'dir',
      name: pool.name,
      // 0700: the pool holds VMs' disks and seeds (user-data); nobody but root reads it.
      target: { path: pool.path, permissions: { mode: '0700', owner: 0, group: 0 } },
    },
  }) as string;
}

/** The pool, defined, built, started and autostarted if it is not; returns the path its volumes live under. */
export async function ensurePool(virsh: Virsh, host: HostRef, pool: PoolRef): Promise<{ path: string }> {
  checkHost(host);
  checkPool(pool);
  let info = await queryOrNull(virsh, host.uri, ['pool-info', pool.name]);
  if (info === null) {
    await withXmlFile(poolXml(pool), (file) => idempotent(virsh, host, ['pool-define', file], /already exists with uuid/i));
    info = await query(virsh, host.uri, ['pool-info', pool.name]);
  }
  if (!/^State:\s+running/m.test(info)) {
    // pool-build makes the directory; on a pool whose directory exists it is a harmless no-op.
    await idempotent(virsh, host, ['pool-build', pool.name], /already active/i);
    await idempotent(virsh, host, ['pool-start', pool.name], /already active/i);
  }
  if (!/^Autostart:\s+yes/m.test(info)) await query(virsh, host.uri, ['pool-autostart', pool.name]);
  // An operator's existing pool of that name may live elsewhere: its own path is the one that counts.
  const xml = parser.parse(await query(virsh, host.uri, ['pool-dumpxml', pool.name])) as Node;
  const target = isNode(xml.pool) && isNode(xml.pool.target) ? text(xml.pool.target.path).trim() : '';
  if (!target.startsWith('/')) throw new HypervisorError(`pool ${pool.name} on ${host.name} has no target path`, Failure.HypervisorUnavailable, false);
  return { path: target };
}

function volumeXml(spec: VolumeSpec, poolPath: string): string {
  const qcow2 = spec.format === 'qcow2';
  return builder.build({
    volume: {
      name: spec.name,
      capacity: { '@_unit': 'bytes', '#text': spec.capacityBytes },
      allocation: { '@_unit': 'bytes', '#text': 0 },
      target: {
        format: { '@_type': spec.format },
        ...(qcow2 && { compat: '1.1' }),
        permissions: { mode: '0600', owner: 0, group: 0 },
      },
      ...(spec.backingVolume && {
        backingStore: { path: path.posix.join(poolPath, spec.backingVolume), format: { '@_type': 'qcow2' } },
      }),
    },
  }) as string;
}

export async function createVolume(virsh: Virsh, host: HostRef, pool: PoolRef, spec: VolumeSpec): Promise<void> {
  checkHost(host);
  checkVolumeName(spec.name);
  if (spec.backingVolume !== undefined) checkVolumeName(spec.backingVolume);
  checkPool(pool);
  await withXmlFile(volumeXml(spec, pool.path), async (file) => {
    try {
      await virsh(host.uri, ['vol-create', '--pool', pool.name, file]);
    } catch (err) {
      if (/exists already/i.test((err as { stderr?: string }).stderr ?? '')) {
        throw new HypervisorError(`volume ${spec.name} already exists in pool ${pool.name} on ${host.name}`, Failure.VolumeConflict, true);
      }
      throw toHypervisorError(err, `create volume ${spec.name} on ${host.name}`);
    }
  });
}

export async function volumeInfo(virsh: Virsh, host: HostRef, pool: PoolRef, name: string): Promise<VolumeInfo | null> {
  checkHost(host);
  checkVolumeName(name);
  const xml = await queryOrNull(virsh, host.uri, ['vol-dumpxml', '--pool', pool.name, name]);
  if (xml === null) return null;
  const volume = (parser.parse(xml) as Node).volume;
  if (!isNode(volume) || !isNode(volume.target)) throw new Error(`unexpected vol-dumpxml output for ${name}`);
  const backing = isNode(volume.backingStore) ? text(volume.backingStore.path).trim() : '';
  const format = isNode(volume.target.format) ? String(volume.target.format['@_type'] ?? '') : '';
  return {
    name,
    path: text(volume.target.path).trim(),
    format,
    capacityBytes: Number(text(volume.capacity).trim()),
    // The file's size, which is what an upload fills: a volume smaller than its source is an upload cut short.
    physicalBytes: Number(text(volume.physical).trim() || text(volume.allocation).trim()),
    ...(backing && { backingVolume: path.posix.basename(backing) }),
  };
}

export async function listVolumes(virsh: Virsh, host: HostRef, pool: PoolRef): Promise<string[]> {
  checkHost(host);
  const out = await queryOrNull(virsh, host.uri, ['vol-list', '--pool', pool.name]);
  if (out === null) return [];
  // " Name   Path" / "---" / " name   /path"; bootshift's names hold no spaces.
  const lines = out.split('\n');
  const start = lines.findIndex((line) => /^-+$/.test(line.trim()));
  return lines
    .slice(start + 1)
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export async function deleteVolume(virsh: Virsh, host: HostRef, pool: PoolRef, name: string): Promise<{ existed: boolean }> {
  checkHost(host);
  checkVolumeName(name);
  try {
    await virsh(host.uri, ['vol-delete', '--pool', pool.name, name]);
    return { existed: true };
  } catch (err) {
    if (virshErrorKind(err) === 'not-found') return { existed: false };
    throw toHypervisorError(err, `delete volume ${name} on ${host.name}`);
  }
}

/** Streams a file the worker can read into an existing volume, through libvirtd. */
export async function uploadVolume(virsh: Virsh, host: HostRef, pool: PoolRef, name: string, file: string, timeoutMs: number): Promise<void> {
  checkHost(host);
  checkVolumeName(name);
  try {
    await virsh(host.uri, ['vol-upload', '--pool', pool.name, name, file], timeoutMs);
  } catch (err) {
    throw toHypervisorError(err, `upload ${name} to ${host.name}`);
  }
}

/** Streams a volume into a file of the worker's, through libvirtd (to copy a base from one host to another). */
export async function downloadVolume(virsh: Virsh, host: HostRef, pool: PoolRef, name: string, file: string, timeoutMs: number): Promise<void> {
  checkHost(host);
  checkVolumeName(name);
  try {
    await virsh(host.uri, ['vol-download', '--pool', pool.name, name, file], timeoutMs);
  } catch (err) {
    throw toHypervisorError(err, `download ${name} from ${host.name}`);
  }
}
