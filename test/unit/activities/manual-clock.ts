// A clock the test moves by hand, so the simulated hypervisor's boot and migration durations pass instantly and
// in a known order.
import type { SimulatedClock } from '../../../activities/simulated-hypervisor';

interface Sleeper {
  at: number;
  wake: () => void;
}

export interface ManualClock extends SimulatedClock {
  /** Moves time forward by `ms`, waking each sleeper due on the way (and letting it run) in time order. */
  advance(ms: number): Promise<void>;
  pending(): number;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  const sleepers: Sleeper[] = [];
  return {
    now: () => now,
    pending: () => sleepers.length,
    sleep(ms, signal) {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason as Error);
        const sleeper = { at: now + ms, wake: resolve };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          reject(signal.reason as Error);
        }, { once: true });
      });
    },
    async advance(ms) {
      const until = now + ms;
      await settle();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > until) break;
        sleepers.shift();
        now = next.at;
        next.wake();
        await settle();
      }
      now = until;
    },
  };
}
