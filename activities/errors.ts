// Turns hypervisor errors into Temporal failures with a type: permanent ones are non-retryable (retrying an invalid
// domain XML or an unknown host cannot help), everything else is retried by the activity's retry policy.
import { ApplicationFailure } from '@temporalio/common';
import { HypervisorError } from './hypervisor';

export async function classified<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof HypervisorError) {
      throw err.permanent
        ? ApplicationFailure.nonRetryable(err.message, err.type)
        : ApplicationFailure.retryable(err.message, err.type);
    }
    throw err;
  }
}
