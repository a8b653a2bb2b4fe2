// Long-ish activities heartbeat while they run, whatever they are waiting on: it is how Temporal notices within
// seconds (the heartbeat timeout) that the worker running them died, instead of waiting out the whole
// start-to-close timeout before retrying elsewhere.
import { Context } from '@temporalio/activity';

export async function heartbeating<T>(run: () => Promise<T>, intervalMs = 2000): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), intervalMs);
  try {
    return await run();
  } finally {
    clearInterval(beat);
  }
}
