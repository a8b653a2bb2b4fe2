// Undoing a VM's placement on a host: destroy its domain there, then release the reservation. If the domain cannot be
// destroyed it may still be running, and counting its room as free would let the next VM overcommit the host. So
// the reservation is kept and marked leaked in the ledger instead (shown by `bootshift hosts`), the release is
// skipped, and reclaimLeaked is started to try again on its own (the host may only have been unreachable for a
// while); a decommission or an operator can free it too.
import { isCancellation, ParentClosePolicy, startChild } from '@temporalio/workflow';
import { vmNameOf } from '../domain';
import { ledger, teardowns } from './activity-stubs';
import { reclaimLeaked } from './reclaim-leaked';
import type { ReclaimLeakedInput } from './types';

export type Placement = Omit<ReclaimLeakedInput, 'firstRunId'>;

export class Teardown {
  private readonly leaked = new Set<string>();

  /** `firstRunId`: the provisioning whose domains these are; it is in their metadata, and every destroy names it. */
  constructor(private readonly firstRunId: string) {}

  /** Destroys the domain; if that fails, marks the reservation leaked and returns false. */
  async destroy(placement: Placement): Promise<boolean> {
    const p: ReclaimLeakedInput = { ...placement, firstRunId: this.firstRunId };
    try {
      await teardowns.destroyVm({ fleet: p.fleet, host: p.host, domainName: p.domainName, vmId: p.vmId, firstRunId: this.firstRunId });
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const cause = err instanceof Error ? String(err.cause ?? err.message) : String(err);
      await ledger.markLeaked({
        fleet: p.fleet,
        vmId: p.vmId,
        reservationId: p.reservationId,
        reason: `domain ${p.domainName} on ${p.host} could not be destroyed: ${cause}`.slice(0, 2000),
      });
      this.leaked.add(p.reservationId);
      // Left running when this VM's workflow ends: reclaiming may take as long as the host takes to come back.
      await startChild(reclaimLeaked, {
        workflowId: `${p.reservationId}/reclaim`,
        args: [p],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `reclaim ${vmNameOf(p.vmId)}'s leaked capacity on ${p.host}`,
        staticDetails: `${p.domainName} on ${p.host} could not be destroyed; destroying it again until the host answers, then freeing reservation \`${p.reservationId}\``,
      });
      return false;
    }
  }

  /** Releases the reservation unless its domain could not be destroyed (then it stays held, as leaked). */
  async release(fleet: string, reservationId: string): Promise<void> {
    if (!this.leaked.has(reservationId)) await ledger.releaseSlot({ fleet, reservationId });
  }

  /** For the saga: a step that fails, and says so, when the domain had to be left behind. */
  async destroyOrFail(p: Placement): Promise<void> {
    if (!(await this.destroy(p))) throw new Error(`domain ${p.domainName} on ${p.host} could not be destroyed: its capacity is held as leaked`);
  }
}
