// Step 4-6 of provisionVm: find an oversubscribed host, live-migrate, commit. A migration that keeps failing is
// followed by another settle host; when none is left the VM simply stays on its boot host (it is never lost), and the
// caller is told so.
import { ApplicationFailure, isCancellation, sleep, workflowInfo } from '@temporalio/workflow';
import { Failure, settleReservationId } from '../domain';
import { ledger, migrations, UNREACHABLE_PATIENCE, vms } from './activity-stubs';
import type { Compensations } from './compensations';
import type { Teardown } from './teardown';
import type { VmTracker } from './vm-tracker';

export type SettleOutcome =
  | { settled: true; host: string; reservationId: string; migrateMs: number; diskMiB: number | null }
  | { settled: false; reason: string };

/** What moving a booted VM to a settle host needs to know. */
export interface SettlePlan {
  fleet: string;
  vmId: string;
  domainName: string;
  bootHost: string;
  maxHosts: number;
}

export async function moveToSettleHost(vm: VmTracker, saga: Compensations, teardown: Teardown, req: SettlePlan): Promise<SettleOutcome> {
  const exclude: string[] = [];
  for (let attempt = 1; attempt <= req.maxHosts; attempt += 1) {
    const reservationId = settleReservationId(req.vmId, workflowInfo().runId, attempt);
    const dropRelease = saga.add(`release ${reservationId}`, () => teardown.release(req.fleet, reservationId));
    const slot = await ledger.reserveSettleSlot({ fleet: req.fleet, reservationId, vmId: req.vmId, exclude });
    if (slot.status === 'unavailable') {
      dropRelease();
      return { settled: false, reason: attempt === 1 ? slot.reason : failedOn(vm) };
    }
    vm.migrating(slot.host, attempt);
    const target = { fleet: req.fleet, vmId: req.vmId, domainName: req.domainName, host: slot.host, reservationId };
    const dropDestroy = saga.add(`destroy on ${slot.host}`, () => teardown.destroyOrFail(target));
    const moved = await migrateOnce(req, slot.host, attempt);
    if (moved.ok) {
      await ledger.commitMove({ fleet: req.fleet, vmId: req.vmId, reservationId });
      vm.settled(slot.host);
      return { settled: true, host: slot.host, reservationId, migrateMs: moved.durationMs, diskMiB: moved.diskMiB };
    }
    vm.migrationFailed(slot.host, moved.error);
    // A half-arrived (paused) copy on the target, or a partial copy of its disk, must not outlive the failed move; the
    // VM runs on its boot host. One that cannot be destroyed keeps its settle slot, held as leaked, until
    // decommissioning sweeps every host.
    if (!(await teardown.destroy(target))) {
      vm.leftBehind([...vm.status.leftovers, `domain or volumes on ${slot.host} after a failed migration (capacity held as leaked)`]);
    }
    dropDestroy();
    await teardown.release(req.fleet, reservationId);
    dropRelease();
    exclude.push(slot.host);
  }
  return { settled: false, reason: failedOn(vm) };
}

function failedOn(vm: VmTracker): string {
  const tried = vm.status.migrationAttempts.map((a) => `${a.host} (${a.error})`).join('; ');
  return `live migration failed on every settle host tried: ${tried}`;
}

type MigrateOnce = { ok: true; durationMs: number; diskMiB: number | null } | { ok: false; error: string };

async function migrateOnce(req: SettlePlan, target: string, attempt: number): Promise<MigrateOnce> {
  try {
    const { durationMs, diskCopiedMiB } = await migrations.migrateVm({
      fleet: req.fleet,
      workflowId: workflowInfo().workflowId,
      domainName: req.domainName,
      from: req.bootHost,
      to: target,
      attempt,
    });
    return { ok: true, durationMs, diskMiB: diskCopiedMiB };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return whereIsIt(req, target, String((err as Error).cause ?? err));
  }
}

/**
 * After a failed migration, libvirt is asked where the domain really is before anything else is decided. A target
 * whose daemon died does not matter once the VM is found running on its boot host; not knowing either way, it waits.
 */
async function whereIsIt(req: SettlePlan, target: string, error: string): Promise<MigrateOnce> {
  for (let attempt = 1; attempt <= UNREACHABLE_PATIENCE.attempts; attempt += 1) {
    const { found, unreachable } = await vms.locateVm({ fleet: req.fleet, domainName: req.domainName, hosts: [req.bootHost, target] });
    const on = (host: string) => found.some((f) => f.host === host && f.state === 'running');
    if (on(req.bootHost)) return { ok: false, error };
    if (on(target)) return { ok: true, durationMs: 0, diskMiB: null };
    if (unreachable.length === 0) break;
    await sleep(UNREACHABLE_PATIENCE.interval, { summary: `wait before asking unreachable hosts again: ${unreachable.join(', ')}` });
  }
  throw ApplicationFailure.nonRetryable(
    `VM ${req.vmId} is running neither on ${req.bootHost} nor on ${target} after a failed migration (${error})`,
    Failure.DomainNotFound,
  );
}
