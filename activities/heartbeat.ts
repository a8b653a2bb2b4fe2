// Activities that run for more than a moment heartbeat while they run, whatever they are waiting on: it is how Temporal
// notices within seconds (the heartbeat timeout) that the worker running them died, instead of waiting out the whole
// start-to-close timeout, and how a workflow's cancellation reaches them. One helper, one interval, for all of them.
import { Context } from '@temporalio/activity';

/** Well inside every heartbeat timeout the workflows set (10 s and more); the SDK throttles what it sends anyway. */
export const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * Runs `run` while heartbeating `details()` (progress, for a retry to pick up) every second. If the workflow cancelled
 * the activity, the SDK's own cancellation failure is thrown rather than whatever the aborted call threw.
 */
export async function heartbeating<T>(run: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat(details?.());
  beat();
  const timer = setInterval(beat, HEARTBEAT_INTERVAL_MS);
  try {
    return await run();
  } catch (err) {
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
    throw err;
  } finally {
    clearInterval(timer);
  }
}
