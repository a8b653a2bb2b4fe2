// The operator's override for a guest that cannot phone home: bootshift sends the same bootComplete signal the
// gateway would, marked `source: 'manual'` with who sent it, so the workflow history shows it was a person's call.
// Only a booting VM can take it; anything else is refused here rather than silently ignored by the workflow.
import type { BootCompleteEvent, VmStatus } from '../workflows/types';
import { CliError, ExitCode } from './exit-codes';

export function manualBootEvent(operator: string): BootCompleteEvent {
  return { source: 'manual', detail: { via: 'cli', operator } };
}

export function refuseUnlessBooting(status: VmStatus): void {
  if (status.phase !== 'booting') {
    throw new CliError(ExitCode.Refused, `VM ${status.name} is ${status.phase}, not booting: a boot-complete signal would be ignored`);
  }
  if (status.timings.bootedAt !== undefined) {
    throw new CliError(ExitCode.Refused, `VM ${status.name} has already reported boot complete (from ${status.bootSource ?? 'unknown'})`);
  }
}
