// checkVm: the worker's judgement of a VM spec against its fleet (image paths inside the imageDirs, a base image to
// be found, a disk at least as large as it), for `pulumi preview`. The same activity runs first in provisionVm, so
// whatever it rejects there is already rejected at preview, naming the field.
import { checks } from './activity-stubs';
import type { CheckVmInput, CheckVmResult } from '../activities';

export async function checkVm(input: CheckVmInput): Promise<CheckVmResult> {
  return checks.checkVm(input);
}
