// P4's two arms with Debian cloud guests instead of the busybox one. (a) In place on B: plain virsh, the guest's own
// disk over the base in B's pool and a NoCloud seed whose cloud-config phones home to the catcher, all K at once.
// (b) The bootshift way: K provisionVm workflows with a cloud image (boot on A, migrate to B, disk layer included).
// Each in-place guest's boot starts before its disk and seed are made, as bootshift's boot time starts before its
// define+start activity makes them, so both arms count the same work.
import type { PoolRef } from '../../activities/hypervisor';
import type { BaseImage } from '../../activities/images';
import type { HostConfig } from '../../domain';
import type { PhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { getStatusQuery } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import { benchCloudVmInput, removePlainCloudGuest, startPlainCloudGuest } from '../lab/cloud-guest';
import type { BootshiftTarget } from './bootshift-way';
import type { GuestTiming } from './guest-timing';

export interface CloudHost {
  host: HostConfig;
  pool: PoolRef;
  base: BaseImage;
  catcher: PhoneHomeCatcher;
  consoleDir: string;
}

export async function bootCloudPlain(where: CloudHost, name: string): Promise<GuestTiming> {
  const requestedAt = Date.now();
  await startPlainCloudGuest({ name, ...where });
  const { at } = await where.catcher.next(name, 30 * 60_000);
  // In place, a guest has settled once it has booted: it already runs where it will stay.
  return { name, requestedAt, bootStartedAt: requestedAt, phonedHomeAt: at, settledAt: at };
}

export function bootCloudInPlace(where: CloudHost, names: string[]): Promise<GuestTiming[]> {
  return Promise.all(names.map((name) => bootCloudPlain(where, name)));
}

export async function bootCloudAlone(where: CloudHost, names: string[]): Promise<GuestTiming[]> {
  const timings: GuestTiming[] = [];
  for (const name of names) {
    try {
      timings.push(await bootCloudPlain(where, name));
    } finally {
      await removePlainCloudGuest(where.host, where.pool, name);
    }
  }
  return timings;
}

export async function removeCloudAll(where: CloudHost, names: string[]): Promise<void> {
  for (const name of names) await removePlainCloudGuest(where.host, where.pool, name);
}

export interface CloudMove {
  name: string;
  migrateMs: number | null;
  migrateDiskMiB: number | null;
}

/** K cloud VMs through bootshift, all requested at once; their moments, and what each migration moved. */
export async function provisionCloudAll(target: BootshiftTarget, names: string[]): Promise<{ timings: GuestTiming[]; moves: CloudMove[] }> {
  const outcomes = await Promise.all(
    names.map(async (name) => {
      const vm = benchCloudVmInput({ bench: 'p4c', fleet: target.fleet, name, bootSignal: 'phone-home', bootTimeoutSeconds: 1800 });
      const requestedAt = Date.now();
      const handle = await target.client.workflow.start(provisionVm, { taskQueue: target.taskQueue, workflowId: vm.vmId, args: [vm] });
      const result = await handle.result();
      if (!result.settled) throw new Error(`${name} did not settle: ${result.note}`);
      const { timings } = await handle.query(getStatusQuery);
      if (!timings.bootStartedAt || !timings.bootedAt || !timings.settledAt) throw new Error(`${name}: status lacks timings`);
      const timing: GuestTiming = { name, requestedAt, bootStartedAt: timings.bootStartedAt, phonedHomeAt: timings.bootedAt, settledAt: timings.settledAt };
      return { timing, move: { name, migrateMs: result.migrateMs, migrateDiskMiB: result.migrateDiskMiB } };
    }),
  );
  return { timings: outcomes.map((o) => o.timing), moves: outcomes.map((o) => o.move) };
}
