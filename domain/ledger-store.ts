// Low-level moves on ledger state shared by the transitions: remembering results for idempotency, and placing or
// removing a reservation while keeping the per-host counters and the per-VM slots in step.
import type { AppliedResult, LedgerState, Reservation } from './ledger-types';
import { findHost, getOwn } from './records';
import { addUsage, removeUsage } from './usage';

export function recall<T extends AppliedResult>(state: LedgerState, key: string): T | undefined {
  return getOwn(state.applied, key) as T | undefined;
}

export function remember<T extends AppliedResult>(state: LedgerState, key: string, result: T): T {
  state.applied[key] = result;
  return result;
}

export function placeOn(state: LedgerState, reservation: Reservation, host: string): void {
  const record = findHost(state, host);
  if (record === undefined) throw new Error(`ledger invariant: unknown host "${host}"`);
  reservation.host = host;
  reservation.status = 'reserved';
  addUsage(record.usage, reservation);
}

export function track(state: LedgerState, reservation: Reservation): void {
  state.reservations[reservation.reservationId] = reservation;
  const slots = getOwn(state.vms, reservation.vmId) ?? {};
  slots[reservation.kind] = reservation.reservationId;
  state.vms[reservation.vmId] = slots;
}

/** Forgets a live reservation: out of the queue or off its host, and out of its VM's slots. */
export function drop(state: LedgerState, reservation: Reservation): void {
  if (reservation.status === 'queued') {
    state.queue.splice(state.queue.indexOf(reservation.reservationId), 1);
  } else if (reservation.host !== null) {
    const record = findHost(state, reservation.host);
    if (record !== undefined) removeUsage(record.usage, reservation);
  }
  delete state.reservations[reservation.reservationId];
  const slots = getOwn(state.vms, reservation.vmId);
  if (slots === undefined) return;
  delete slots[reservation.kind];
  if (slots.boot === undefined && slots.settle === undefined) delete state.vms[reservation.vmId];
}
