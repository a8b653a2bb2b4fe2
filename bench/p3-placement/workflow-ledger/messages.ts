// The legacy fleetLedger workflow's messages (bench P3's baseline; the product's ledger is PostgreSQL, ledger/).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DrainHostInput, DrainHostResult, Inventory, LedgerSnapshot, ResyncResult, VmLedgerRequests } from '../../../domain';
import type { LedgerState } from '../../../simulator/ledger';

export { bootSlotGrantedSignal } from '../../../workflows/messages';

const vmRequest = <K extends keyof VmLedgerRequests>(name: K) => defineUpdate<VmLedgerRequests[K][1], [VmLedgerRequests[K][0]]>(name);
export const reserveBootUpdate = vmRequest('reserveBoot');
export const reserveSettleUpdate = vmRequest('reserveSettle');
export const commitMoveUpdate = vmRequest('commitMove');
export const releaseUpdate = vmRequest('release');
export const releaseVmUpdate = vmRequest('releaseVm');
export const drainHostUpdate = defineUpdate<DrainHostResult, [DrainHostInput]>('drainHost');
export const resyncInventoryUpdate = defineUpdate<ResyncResult, [Inventory]>('resyncInventory');
export const getLedgerSnapshotQuery = defineQuery<LedgerSnapshot>('getLedgerSnapshot');


export type FleetLedgerInput = { inventory: Inventory; historyLimit?: number } | { state: LedgerState; historyLimit?: number };

export function ledgerWorkflowId(fleet: string): string {
  return `fleet/${fleet}`;
}
