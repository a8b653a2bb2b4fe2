// decommissionVm (Pulumi delete): make sure the VM's provisioning is over (cancelling it if it still runs, so its
// own saga undoes what it made), then destroy and undefine the domain wherever libvirt still has it, and release
// every reservation the VM may hold. Each step is idempotent, so running it twice is harmless.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { bootReservationId, domainNameFor } from '../domain/vm-ids';
import { ledger, vms, watchers } from './activity-stubs';
import { vmHostKey, vmNameKey, vmPhaseKey } from './messages';
import type { DecommissionVmInput, DecommissionVmResult } from './types';

export async function decommissionVm(input: DecommissionVmInput): Promise<DecommissionVmResult> {
  const { fleet, vmId } = input;
  const domainName = domainNameFor(vmId);
  upsertSearchAttributes([{ key: vmNameKey, value: vmId.split('/').pop() ?? vmId }, { key: vmPhaseKey, value: 'decommissioned' }]);

  const outcome = await watchers.awaitProvisionOutcome({ workflowId: input.provisionWorkflowId, cancel: true });
  const { found } = await vms.locateVm({ fleet, domainName });
  for (const { host } of found) await vms.destroyVm({ fleet, host, domainName });

  const reservations = [bootReservationId(vmId), ...settleReservationIds(outcome)];
  const released: string[] = [];
  for (const reservationId of reservations) {
    const { status } = await ledger.releaseSlot({ fleet, reservationId });
    if (status === 'released') released.push(reservationId);
  }
  upsertSearchAttributes([{ key: vmHostKey, value: null }]);
  return { vmId, destroyedOn: found.map((f) => f.host), releasedReservations: released };
}

function settleReservationIds(outcome: Awaited<ReturnType<typeof watchers.awaitProvisionOutcome>>): string[] {
  if (outcome.status === 'completed' && outcome.result.settleReservationId) return [outcome.result.settleReservationId];
  return [];
}
