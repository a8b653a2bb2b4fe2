// decommissionVm (Pulumi delete): make sure the VM's provisioning is over (cancelling it if it still runs, so its
// own saga undoes what it made), then destroy and undefine the domain wherever libvirt still has it, delete the VM's
// own volumes (disk, seed) on every host that holds any, and release every reservation the VM holds. Each step is
// idempotent, so running it twice is harmless.
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
  const deletedVolumes: string[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const { found, volumes, unreachable } = await vms.locateVm({ fleet, domainName });
    // Volumes without a domain too: a partial disk left on a migration target that was unreachable at the time.
    for (const host of [...new Set([...found.map((f) => f.host), ...(volumes ?? []).map((v) => v.host)])]) {
      const destroyed = await vms.destroyVm({ fleet, host, domainName, vmId }).catch(async (err: unknown) => {
        // The domain may still run there: whatever the VM holds on that host stays held, shown as leaked.
        const reason = `decommission could not destroy ${domainName} on ${host}: ${err instanceof Error ? String(err.cause ?? err.message) : String(err)}`;
        await ledger.markLeaked({ fleet, vmId, host, reason: reason.slice(0, 2000) });
        throw err;
      });
      if (destroyed.existed) destroyedOn.push(host);
      deletedVolumes.push(...(destroyed.volumes ?? []).map((name) => `${host}:${name}`));
    }
    if (unreachable.length === 0) break;
    if (attempt >= UNREACHABLE_PATIENCE.attempts) {
      throw ApplicationFailure.nonRetryable(
        `cannot tell whether ${vmId} is gone: ${unreachable.join(', ')} unreachable; its reservations are kept`,
        Failure.HostUnreachable,
      );
    }
    await sleep(UNREACHABLE_PATIENCE.interval, { summary: `wait before asking unreachable hosts again: ${unreachable.join(', ')}` });
  }
  const { reservations } = await ledger.releaseVmSlots({ fleet, vmId });
  upsertSearchAttributes([{ key: vmHostKey, value: null }]);
  return { vmId, destroyedOn, deletedVolumes, releasedReservations: reservations };
}
