// Transitions driven by operators and by the inventory file rather than by VMs: draining, resyncing the hosts,
// and admitting queued boots once room appears (the ledger workflow calls it after every release, commit or resync).
import type { Inventory } from './inventory';
import type { AdmittedBoot, DrainHostResult, HostRecord, LedgerState, ResyncResult } from './ledger-types';
import type { DrainHostInput } from './ledger-inputs';
import { placeOn } from './ledger-store';
import { pickBootHost } from './placement';
import { findHost, getOwn, setHosts } from './records';
import { emptyUsage } from './usage';

export function drainHost(state: LedgerState, input: DrainHostInput): DrainHostResult {
  const host = findHost(state, input.host);
  if (host === undefined) return { status: 'unknown', host: input.host };
  if (host.state === 'active') host.state = 'draining';
  return { status: host.state === 'down' ? 'down' : 'draining', host: input.host };
}

function sameConfig(a: HostRecord, b: HostRecord): boolean {
  return JSON.stringify({ ...a, usage: null }) === JSON.stringify({ ...b, usage: null });
}

/** Brings hosts in line with a new inventory; a vanished host that still holds reservations is kept as down. */
export function resyncInventory(state: LedgerState, inventory: Inventory): ResyncResult {
  if (inventory.fleet !== state.fleet) {
    return { status: 'rejected', reason: `inventory is for fleet "${inventory.fleet}", not "${state.fleet}"` };
  }
  const result = { status: 'resynced' as const, added: [] as string[], updated: [] as string[], removed: [] as string[], markedDown: [] as string[] };
  const hosts = inventory.hosts.map((host): HostRecord => {
    const known = findHost(state, host.name);
    const next: HostRecord = { ...host, labels: { ...host.labels }, usage: known?.usage ?? emptyUsage() };
    if (known === undefined) result.added.push(host.name);
    else if (!sameConfig(known, next)) result.updated.push(host.name);
    return next;
  });
  const listed = new Set(inventory.hosts.map((host) => host.name));
  for (const host of state.hosts) {
    if (listed.has(host.name)) continue;
    if (host.usage.vms === 0) {
      result.removed.push(host.name);
      continue;
    }
    if (host.state !== 'down') result.markedDown.push(host.name);
    hosts.push({ ...host, state: 'down' });
  }
  state.policy = { ...inventory.policy };
  setHosts(state, hosts);
  return result;
}

/** Admits queued boots strictly in order: stops at the first one that does not fit anywhere yet. */
export function admitQueued(state: LedgerState): AdmittedBoot[] {
  const admitted: AdmittedBoot[] = [];
  for (let head = state.queue[0]; head !== undefined; head = state.queue[0]) {
    const reservation = getOwn(state.reservations, head);
    if (reservation === undefined) throw new Error(`ledger invariant: queued reservation "${head}" is unknown`);
    const host = pickBootHost(state.hosts, state.policy, reservation);
    if (host === undefined) break;
    state.queue.shift();
    placeOn(state, reservation, host);
    admitted.push({ reservationId: head, workflowId: reservation.workflowId, vmId: reservation.vmId, host });
  }
  return admitted;
}
