// The fleet ledger is a workflow; workflows cannot send updates to other workflows, so each reservation step is a
// small activity that sends the update through the client. The ledger makes every update idempotent by reservation
// id, which is what makes these activities safe to retry.
import type { CommitMoveInput, ReleaseInput, ReleaseVmInput, ReserveBootInput, ReserveSettleInput } from '../domain';
import type { LedgerPort } from './ports';
import type { FleetRef } from './types';

export function createLedgerActivities(ledger: LedgerPort) {
  return {
    reserveBootSlot: ({ fleet, ...input }: FleetRef & ReserveBootInput) => ledger.reserveBoot(fleet, input),
    reserveSettleSlot: ({ fleet, ...input }: FleetRef & ReserveSettleInput) => ledger.reserveSettle(fleet, input),
    commitMove: ({ fleet, ...input }: FleetRef & CommitMoveInput) => ledger.commitMove(fleet, input),
    releaseSlot: ({ fleet, ...input }: FleetRef & ReleaseInput) => ledger.release(fleet, input),
    releaseVmSlots: ({ fleet, ...input }: FleetRef & ReleaseVmInput) => ledger.releaseVm(fleet, input),
  };
}
