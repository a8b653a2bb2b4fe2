// reclaimLeaked: a placement whose domain could not be destroyed keeps its reservation, held as leaked (teardown.ts).
// Usually the host was only unreachable for a while (its daemon restarting, a network blip): this workflow, started
// by the VM's workflow and left running on its own, tries the teardown again with growing pauses and, once the
// domain and the VM's volumes are gone from that host, frees the capacity. A host that refuses for a reason waiting
// will not change (another VM's domain has the name) is left to an operator (`bootshift clear-leaked`).
import { ApplicationFailure, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { Failure, vmNameOf } from '../domain';
import { ledger, vms } from './activity-stubs';
import { vmNameKey } from './messages';
import type { ReclaimLeakedInput, ReclaimLeakedResult } from './types';

/** Pauses between attempts: 5 s doubling to 10 minutes, for up to a week in all. */
const FIRST_PAUSE_MS = 5_000;
const LONGEST_PAUSE_MS = 600_000;
const PATIENCE_MS = 7 * 24 * 3600_000;

/** Failures no amount of waiting fixes: the operator must look. */
const HOPELESS: readonly string[] = [Failure.DomainConflict, Failure.InvalidHost, Failure.UnknownHost, Failure.UnknownFleet];

export async function reclaimLeaked(input: ReclaimLeakedInput): Promise<ReclaimLeakedResult> {
  upsertSearchAttributes([{ key: vmNameKey, value: vmNameOf(input.vmId) }]);
  let pause = FIRST_PAUSE_MS;
  let waited = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      // With the run chain: the VM may have been re-created under its name on this host since (then ours is gone).
      await vms.destroyVm({ fleet: input.fleet, host: input.host, domainName: input.domainName, vmId: input.vmId, ...(input.firstRunId !== undefined && { firstRunId: input.firstRunId }) });
      const { reservations } = await ledger.clearLeaked({ fleet: input.fleet, vmId: input.vmId, reservationId: input.reservationId });
      return { attempts: attempt, freed: reservations };
    } catch (err) {
      const type = err instanceof Error && err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
      if ((type && HOPELESS.includes(type)) || waited >= PATIENCE_MS) {
        throw ApplicationFailure.nonRetryable(
          `${input.domainName} on ${input.host} could not be destroyed after ${attempt} attempts (${String(err instanceof Error ? (err.cause ?? err.message) : err)}); ` +
            'its capacity stays held as leaked: clear it with `bootshift clear-leaked` once the domain is gone',
          Failure.HostUnreachable,
        );
      }
    }
    await sleep(pause, { summary: `wait before destroying ${input.domainName} on ${input.host} again` });
    waited += pause;
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}
