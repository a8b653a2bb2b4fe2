// Transitions driven by operators and by the inventory file rather than by VMs: draining, resyncing the hosts,
// and admitting queued boots once room appears (the ledger workflow calls it after every release, commit or resync).
import type { Inventory } from './inventory';
import type { AdmittedBoot, DrainHostResult, HostRecord, LedgerState, ResyncResult } from './ledger-types';
import type { DrainHostInput } from './ledger-inputs';
import { placeOn } from './ledger-store';
import { pickBootHost } from './placement';
import { getOwn } from './records';
import { emptyUsage } from './usage';

export function drainHost(state: LedgerState, input: DrainHostInput): DrainHostResult {
  const host = getOwn(state.hosts, input.host);
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
  state.policy = { ...inventory.policy };
  const listed = new Set<string>();
  for (const host of inventory.hosts) {
    listed.add(host.name);
    const known = getOwn(state.hosts, host.name);
    const next: HostRecord = { ...host, labels: { ...host.labels }, usage: known?.usage ?? emptyUsage() };
    if (known === undefined) result.added.push(host.name);
    else if (!sameConfig(known, next)) result.updated.push(host.name);
    state.hosts[host.name] = next;
  }
  for (const [name, host] of Object.entries(state.hosts)) {
    if (listed.has(name)) continue;
    if (host.usage.vms === 0) {
      delete state.hosts[name];
      result.removed.push(name);
    } else if (host.state !== 'down') {
      host.state = 'down';
      result.markedDown.push(name);
    }
  }
  return result;
}

/** Admits queued boots strictly in order: stops at the first one that does not fit anywhere yet. */
export function admitQueued(state: LedgerState): AdmittedBoot[] {
  const admitted: AdmittedBoot[] = [];
  for (let head = state.queue[0]; head !== undefined; head = state.queue[0]) {
    const reservation = getOwn(state.reservations, head);
    if (reservation === undefined) throw new Error(`ledger invariant: queued reservation "${head}" is unknown`);
    const host = pickBootHost(Object.values(state.hosts), state.policy, reservation);
    if (host === undefined) break;
    state.queue.shift();
    placeOn(state, reservation, host);
    admitted.push({ reservationId: head, workflowId: reservation.workflowId, vmId: reservation.vmId, host });
  }
  return admitted;
}
