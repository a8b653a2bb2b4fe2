// The ledger remembers the result of every request so replays answer alike, but it is carried across
// continue-as-new in one payload, which has a size limit. Results of reservations that are no longer live are
// dropped, oldest first, once there are too many: a duplicate of a request thousands of reservations old is not a
// case worth a ledger that can no longer continue.
import type { LedgerState } from './ledger-types';
import { getOwn } from './records';

/** Keys are `<op>:<reservationId>`; ops never contain ":". */
function reservationOf(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

export function pruneApplied(state: LedgerState, opts: { max: number; keep: number }): number {
  const keys = Object.keys(state.applied);
  if (keys.length <= opts.max) return 0;
  let dropped = 0;
  // Insertion order is the order the requests came in, and it survives the JSON round trip of continue-as-new.
  for (const key of keys) {
    if (keys.length - dropped <= opts.keep) break;
    if (getOwn(state.reservations, reservationOf(key)) !== undefined) continue;
    delete state.applied[key];
    dropped += 1;
  }
  return dropped;
}
