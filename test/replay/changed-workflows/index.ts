// The negative replay case: provisionVm as someone might carelessly change it (a new timer before the first step).
// Replaying a recorded history against this must be reported as nondeterminism, which proves the replay tests would
// catch such a change to the real workflow.
import { sleep } from '@temporalio/workflow';
import { provisionVm as original } from '../../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../../workflows/types';

export { decommissionVm } from '../../../workflows/decommission-vm';
export { reclaimLeaked } from '../../../workflows/reclaim-leaked';

export async function provisionVm(input: ProvisionVmInput) {
  await sleep('1 second');
  return original(input);
}
