// The ledger adapter's in-flight cap (unit test, fake client): however many activities call it at once, no more than
// the cap of updates reach the server together, every call still gets its own reply, and the rest wait their turn.
import type { Client } from '@temporalio/client';
import { createTemporalLedger, DEFAULT_MAX_IN_FLIGHT_UPDATES } from '../../../worker/temporal-ledger';

function fakeClient() {
  let inFlight = 0;
  let peak = 0;
  const client = {
    workflow: {
      getHandle: () => ({
        executeUpdate: async (_update: unknown, opts: { updateId: string }) => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
          return { status: 'reserved', reservationId: opts.updateId };
        },
      }),
    },
  };
  return { client: client as unknown as Client, peak: () => peak };
}

const request = (i: number) => ({ reservationId: `r-${i}`, vmId: `vm-${i}`, workflowId: `vm-${i}`, vcpus: 1, memoryMiB: 128 });
const loadInventory = () => Promise.reject(new Error('the ledger exists: no start needed'));

test.each([
  ['the default cap', undefined, DEFAULT_MAX_IN_FLIGHT_UPDATES],
  ['a cap of 3', 3, 3],
])('%s: 50 concurrent reservations, at most that many in flight, each answered', async (_what, cap, expected) => {
  const { client, peak } = fakeClient();
  const ledger = createTemporalLedger({ client, taskQueue: 'q', loadInventory, ...(cap && { maxInFlightUpdates: cap }) });
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.reserveBoot('f', request(i))));
  expect(replies.map((r) => (r as unknown as { reservationId: string }).reservationId)).toEqual(
    Array.from({ length: 50 }, (_, i) => `reserveBoot:r-${i}`),
  );
  expect(peak()).toBe(expected);
});
