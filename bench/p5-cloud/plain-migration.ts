// The comparison for bootshift's migration between hosts that share no storage: one Debian cloud guest booted with
// plain virsh on the boot host (bootshift's own disk layout: its copy-on-write disk over the cached base, seed ejected
// and deleted after boot), then moved twice with plain `virsh migrate --live`:
//   1. boot → settle with --copy-storage-inc into a fresh empty disk over the base (the base already cached on the
//      target): the VM's own layer only, what bootshift does;
//   2. settle → boot with --copy-storage-all into a pre-created flat qcow2 of the same virtual size (4 GiB): the whole
//      image, base included, as without a cached base (libvirt opens the target without a backing chain).
// Each is timed by the wall clock around virsh and by libvirt's job-completed event on the source, and the target's
// disk file is measured afterwards.
import type { HostConfig, Inventory } from '../../domain';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { virsh } from '../../lab/virsh';
import { loadAverage } from '../machine';
import {
  cloudBase,
  diskVolumeOf,
  dropSeed,
  ensureBaseOn,
  hostRefOf,
  hypervisor,
  poolOn,
  removePlainCloudGuest,
  startPlainCloudGuest,
} from '../lab/cloud-guest';
import type { DomainEvent, DomainEventWatcher } from './domain-events';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export type CopyKind = 'copy-storage-inc' | 'copy-storage-all';

export interface JobFigures {
  /** libvirt's time_elapsed of the migration job, ms */
  timeElapsedMs: number;
  downtimeMs: number;
  /** disk_total / disk_processed of the job (the disk copy's extent as libvirt counts it), MiB */
  diskTotalMiB: number;
  diskProcessedMiB: number;
  /** memory_processed (RAM pages sent), MiB */
  memoryProcessedMiB: number;
}

export interface PlainMove {
  kind: CopyKind;
  from: string;
  to: string;
  /** wall clock around `virsh migrate`, ms */
  wallMs: number;
  job: JobFigures | null;
  /** size of the VM's disk file on the target afterwards (what landed there), MiB */
  targetFileMiB: number;
  /** virtual size of the target disk, GiB */
  targetVirtualGiB: number;
  /** the target disk's backing volume afterwards (none for a flat copy) */
  targetBacking: string | null;
}

export interface PlainMigrationRun {
  name: string;
  /** 1-min load average when the plain guest was started */
  load1?: number;
  /** start → phone-home on the boot host, ms (plain virsh, for reference) */
  bootMs: number;
  moves: PlainMove[];
}

export function jobFigures(job: DomainEvent | undefined): JobFigures | null {
  if (!job) return null;
  const mib = (key: string) => Number(((job.stats[key] ?? Number.NaN) / MiB).toFixed(1));
  return {
    timeElapsedMs: job.stats.time_elapsed ?? Number.NaN,
    downtimeMs: job.stats.downtime ?? Number.NaN,
    diskTotalMiB: mib('disk_total'),
    diskProcessedMiB: mib('disk_processed'),
    memoryProcessedMiB: mib('memory_processed'),
  };
}

interface Sides {
  boot: HostConfig;
  settle: HostConfig;
  inventory: Inventory;
  catcher: PhoneHomeCatcher;
  consoleDir: string;
  events: { boot: DomainEventWatcher; settle: DomainEventWatcher };
}

async function move(sides: Sides, name: string, kind: CopyKind, from: HostConfig, to: HostConfig, events: DomainEventWatcher): Promise<PlainMove> {
  const [fromPool, toPool] = [await poolOn(from, sides.inventory), await poolOn(to, sides.inventory)];
  const base = await cloudBase(sides.inventory);
  const disk = diskVolumeOf(name);
  await hypervisor.deleteVolume(hostRefOf(to), toPool, disk);
  await hypervisor.createVolume(hostRefOf(to), toPool, {
    name: disk,
    capacityBytes: 4 * GiB,
    format: 'qcow2',
    ...(kind === 'copy-storage-inc' && { backingVolume: base.volume }),
  });
  const seen = events.of(name, 'job-completed').length;
  const args = ['migrate', '--live', '--persistent', '--undefinesource', '--verbose', `--${kind}`, '--migrate-disks', 'vda', name, to.uri];
  const address = to.migrationAddress ?? '127.0.0.1';
  const start = performance.now();
  await virsh(from.uri, [...args, '--migrateuri', `tcp://${address}`, '--disks-uri', `tcp://${address}`], 30 * 60_000);
  const wallMs = Math.round(performance.now() - start);
  const job = jobFigures(await events.waitFor(name, 'job-completed', seen + 1, 15_000));
  // As bootshift does after a move: the source's copy of the disk is nobody's.
  await hypervisor.deleteVolume(hostRefOf(from), fromPool, disk);
  const info = await hypervisor.volumeInfo(hostRefOf(to), toPool, disk);
  return {
    kind,
    from: from.name,
    to: to.name,
    wallMs,
    job,
    targetFileMiB: Number(((info?.physicalBytes ?? Number.NaN) / MiB).toFixed(1)),
    targetVirtualGiB: (info?.capacityBytes ?? Number.NaN) / GiB,
    targetBacking: info?.backingVolume ?? null,
  };
}

export async function plainMigrations(sides: Sides, name: string): Promise<PlainMigrationRun> {
  const base = await cloudBase(sides.inventory);
  const bootPool = await poolOn(sides.boot, sides.inventory);
  const settlePool = await poolOn(sides.settle, sides.inventory);
  // Both hosts hold the base already (bootshift's runs put it there); this only makes sure.
  await ensureBaseOn(sides.boot, bootPool, base);
  await ensureBaseOn(sides.settle, settlePool, base);
  try {
    const load1 = loadAverage()[0];
    const start = performance.now();
    await startPlainCloudGuest({ name, host: sides.boot, pool: bootPool, base, catcher: sides.catcher, consoleDir: sides.consoleDir });
    await sides.catcher.next(name, 15 * 60_000);
    const bootMs = Math.round(performance.now() - start);
    await dropSeed(sides.boot, bootPool, name);
    const inc = await move(sides, name, 'copy-storage-inc', sides.boot, sides.settle, sides.events.boot);
    const all = await move(sides, name, 'copy-storage-all', sides.settle, sides.boot, sides.events.settle);
    return { name, load1, bootMs, moves: [inc, all] };
  } finally {
    await removePlainCloudGuest(sides.boot, bootPool, name);
    await removePlainCloudGuest(sides.settle, settlePool, name);
  }
}
