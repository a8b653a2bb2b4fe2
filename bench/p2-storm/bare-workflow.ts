// The ceiling P2 compares bootshift with: the smallest useful workflow, one activity and nothing else, so its
// throughput is what the dev server and one worker can do at all on this machine.
import { proxyActivities } from '@temporalio/workflow';

export interface BareActivities {
  noop(): Promise<string>;
}

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

export async function bareWorkflow(): Promise<string> {
  return noop();
}
