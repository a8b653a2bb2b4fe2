// bench P3's baseline: the fleet ledger as it was before PostgreSQL (ledger/), one long-running entity workflow per
// fleet that every VM workflow reserved capacity through. Handlers are synchronous and mutate the state before
// anything else, which makes each update atomic; the in-memory transitions (simulator/ledger) make each one idempotent
// by reservation id. The state, with the record of applied requests, is carried across continue-as-new.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { validateCommitMove, validateDrainHost, validateRelease, validateReleaseVm, validateReserveBoot, validateReserveSettle, validateResyncInventory } from '../../../domain';
import { admitQueued, commitMove, createLedger, drainHost, release, releaseVm, reserveBoot, reserveSettle, resyncInventory, snapshot, pruneApplied, type AdmittedBoot, type LedgerState } from '../../../simulator/ledger';
import {
  bootSlotGrantedSignal,
  commitMoveUpdate,
  drainHostUpdate,
  getLedgerSnapshotQuery,
  releaseUpdate,
  releaseVmUpdate,
  reserveBootUpdate,
  reserveSettleUpdate,
  resyncInventoryUpdate,
} from './messages';
import type { FleetLedgerInput } from './messages';

/** About 130 bytes per remembered result: at most ~650 KB of them cross continue-as-new. */
export const APPLIED_LIMITS = { max: 5000, keep: 2500 };

export async function fleetLedger(input: FleetLedgerInput): Promise<void> {
  const state: LedgerState = 'state' in input ? input.state : createLedger(input.inventory);
  const grants = new GrantSender(state);

  setHandler(reserveBootUpdate, (req) => reserveBoot(state, req), { validator: validateReserveBoot });
  setHandler(reserveSettleUpdate, (req) => reserveSettle(state, req), { validator: validateReserveSettle });
  setHandler(commitMoveUpdate, (req) => grants.after(commitMove(state, req)), { validator: validateCommitMove });
  setHandler(releaseUpdate, (req) => grants.after(release(state, req)), { validator: validateRelease });
  setHandler(releaseVmUpdate, (req) => grants.after(releaseVm(state, req)), { validator: validateReleaseVm });
  setHandler(drainHostUpdate, (req) => drainHost(state, req), { validator: validateDrainHost });
  setHandler(resyncInventoryUpdate, (inv) => grants.after(resyncInventory(state, inv)), {
    validator: validateResyncInventory,
  });
  setHandler(getLedgerSnapshotQuery, () => snapshot(state));
  // A ledger restarted from its state may have admitted boots whose grant was not yet delivered.
  grants.after(null);

  const limit = input.historyLimit;
  await condition(
    () => workflowInfo().continueAsNewSuggested || (limit !== undefined && workflowInfo().historyLength > limit),
  );
  // No update may be lost: every accepted one has finished and every grant has been delivered before handing over.
  await condition(() => allHandlersFinished() && grants.idle());
  // The state travels in one payload: keep the memory of ended reservations bounded.
  pruneApplied(state, APPLIED_LIMITS);
  log.info('ledger continuing as new', { historyLength: workflowInfo().historyLength, vms: Object.keys(state.vms).length });
  await continueAsNew<typeof fleetLedger>({ state, historyLimit: limit });
}

/**
 * Tells VM workflows waiting in the boot queue that they were admitted. A VM workflow that no longer exists cannot
 * use its slot, so its reservation is released (and the next in line admitted) instead of leaking.
 */
class GrantSender {
  private inFlight = 0;

  constructor(private readonly state: LedgerState) {}

  idle(): boolean {
    return this.inFlight === 0;
  }

  /** Admits whatever now fits and returns the transition's result unchanged. */
  after<T>(result: T): T {
    for (const admitted of admitQueued(this.state)) void this.deliver(admitted);
    return result;
  }

  private async deliver(admitted: AdmittedBoot): Promise<void> {
    this.inFlight += 1;
    try {
      await getExternalWorkflowHandle(admitted.workflowId).signal(bootSlotGrantedSignal, {
        reservationId: admitted.reservationId,
        host: admitted.host,
      });
    } catch (err) {
      log.warn('admitted VM workflow is gone; releasing its slot', { ...admitted, error: String(err) });
      this.after(release(this.state, { reservationId: admitted.reservationId }));
    } finally {
      this.inFlight -= 1;
    }
  }
}
