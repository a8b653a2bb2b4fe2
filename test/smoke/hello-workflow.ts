// The smallest workflow that proves the dev server, the worker and an activity are all real: one activity call.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './hello-activities';

const { greet } = proxyActivities<typeof activities>({ startToCloseTimeout: '30 seconds' });

export async function helloWorkflow(input: { name: string }): Promise<{ greeting: string }> {
  return { greeting: await greet({ name: input.name }) };
}
