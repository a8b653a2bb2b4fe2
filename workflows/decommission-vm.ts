// decommissionVm (Pulumi delete): make sure the VM's provisioning is over (cancelling it if it still runs, so its
// own saga undoes what it made), then destroy and undefine the domain wherever libvirt still has it, and release
// every reservation the VM holds. Each step is idempotent, so running it twice is harmless.
import { ApplicationFailure, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { domainNameFor, Failure, vmNameOf } from '../domain';
import { ledger, UNREACHABLE_PATIENCE, vms, watchers } from './activity-stubs';
import { vmHostKey, vmNameKey, vmPhaseKey } from './messages';
import type { DecommissionVmInput, DecommissionVmResult } from './types';

export async function decommissionVm(input: DecommissionVmInput): Promise<DecommissionVmResult> {
  const { fleet, vmId } = input;
  const domainName = domainNameFor(vmId);
  upsertSearchAttributes([{ key: vmNameKey, value: vmNameOf(vmId) }, { key: vmPhaseKey, value: 'decommissioned' }]);

  await watchers.awaitProvisionOutcome({ workflowId: input.provisionWorkflowId, cancel: true });
  const destroyedOn: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const { found, unreachable } = await vms.locateVm({ fleet, domainName });
    for (const { host } of found) {
      await vms.destroyVm({ fleet, host, domainName });
      destroyedOn.push(host);
    }
    if (unreachable.length === 0) break;
    if (attempt >= UNREACHABLE_PATIENCE.attempts) {
      throw ApplicationFailure.nonRetryable(
        `cannot tell whether ${vmId} is gone: ${unreachable.join(', ')} unreachable; its reservations are kept`,
        Failure.HostUnreachable,
      );
    }
    await sleep(UNREACHABLE_PATIENCE.interval);
  }
  const { reservations } = await ledger.releaseVmSlots({ fleet, vmId });
  upsertSearchAttributes([{ key: vmHostKey, value: null }]);
  return { vmId, destroyedOn, releasedReservations: reservations };
}
