// The in-memory fleet ledger's transitions (the reference semantics of ledger/, see state.ts). Each one mutates the state in place (copying 100k reservations per update would be
// too slow inside the ledger workflow) and is idempotent by reservation id: a replayed request returns its first
// result and changes nothing, and a released id is never reserved again. After the VMs' requests come the ones driven
// by operators and the inventory file (drain, resync) and the admission of queued boots once room appears (the ledger
// workflow calls it after every release, commit or resync).
import {
  pickBootHost,
  pickSettleHost,
  vcpuCapacity,
  type CommitMoveInput,
  type CommitMoveResult,
  type DrainHostInput,
  type DrainHostResult,
  type HostRecord,
  type Inventory,
  type ReleaseInput,
  type ReleaseResult,
  type ReleaseVmInput,
  type ReleaseVmResult,
  type ReserveBootInput,
  type ReserveBootResult,
  type ReserveSettleInput,
  type ReserveSettleResult,
  type ResyncResult,
} from '../../domain';
import {
  drop,
  emptyUsage,
  findHost,
  getOwn,
  placeOn,
  recall,
  remember,
  setHosts,
  track,
  type AdmittedBoot,
  type LedgerState,
  type Reservation,
} from './state';

export function createLedger(inventory: Inventory): LedgerState {
  const state: LedgerState = {
    version: 2,
    fleet: inventory.fleet,
    policy: { ...inventory.policy },
    hosts: [],
    hostIndex: {},
    reservations: {},
    vms: {},
    queue: [],
    applied: {},
  };
  setHosts(state, inventory.hosts.map((host) => ({ ...host, labels: { ...host.labels }, usage: emptyUsage() })));
  return state;
}

function bootConflict(state: LedgerState, input: ReserveBootInput): string | undefined {
  if (recall(state, `release:${input.reservationId}`)) return `reservation "${input.reservationId}" was released`;
  if (getOwn(state.reservations, input.reservationId)) return `reservation id "${input.reservationId}" is in use`;
  const held = getOwn(state.vms, input.vmId)?.boot;
  if (held !== undefined) return `vm "${input.vmId}" already holds boot reservation "${held}"`;
  return undefined;
}

/** Whether an empty boot host of the fleet, in any state, could hold the VM: if none could, waiting is pointless. */
function anyBootHostCouldHold(state: LedgerState, input: ReserveBootInput): boolean {
  return state.hosts.some(
    (h) => h.pool === 'boot' && input.memoryMiB <= h.memoryMiB && input.vcpus <= (vcpuCapacity(h, state.policy) ?? Infinity),
  );
}

export function reserveBoot(state: LedgerState, input: ReserveBootInput): ReserveBootResult {
  const key = `reserveBoot:${input.reservationId}`;
  const seen = recall<ReserveBootResult>(state, key);
  if (seen) return seen;
  const conflict = bootConflict(state, input);
  if (conflict !== undefined) return remember(state, key, { status: 'rejected', reason: conflict });
  // Strict FIFO: while anyone waits, newcomers wait behind them even if they would fit.
  const host = state.queue.length === 0 ? pickBootHost(state.hosts, state.policy, input) : undefined;
  if (host === undefined && !anyBootHostCouldHold(state, input)) {
    const reason = `no boot host can hold ${input.vcpus} vCPUs and ${input.memoryMiB} MiB`;
    return remember(state, key, { status: 'rejected', reason });
  }
  const reservation: Reservation = {
    reservationId: input.reservationId,
    kind: 'boot',
    status: 'queued',
    vmId: input.vmId,
    workflowId: input.workflowId,
    host: null,
    vcpus: input.vcpus,
    memoryMiB: input.memoryMiB,
    ...(input.antiAffinityGroup !== undefined && { antiAffinityGroup: input.antiAffinityGroup }),
  };
  track(state, reservation);
  if (host === undefined) {
    state.queue.push(reservation.reservationId);
    return remember(state, key, { status: 'queued', position: state.queue.length });
  }
  placeOn(state, reservation, host);
  return remember(state, key, { status: 'reserved', host });
}

function settleConflict(state: LedgerState, input: ReserveSettleInput): string | Reservation {
  if (recall(state, `release:${input.reservationId}`)) return `reservation "${input.reservationId}" was released`;
  if (getOwn(state.reservations, input.reservationId)) return `reservation id "${input.reservationId}" is in use`;
  const slots = getOwn(state.vms, input.vmId);
  if (slots?.settle !== undefined) return `vm "${input.vmId}" already holds settle reservation "${slots.settle}"`;
  const boot = slots?.boot === undefined ? undefined : getOwn(state.reservations, slots.boot);
  if (boot?.status !== 'reserved') return `vm "${input.vmId}" holds no reserved boot slot`;
  return boot;
}

export function reserveSettle(state: LedgerState, input: ReserveSettleInput): ReserveSettleResult {
  const key = `reserveSettle:${input.reservationId}`;
  const seen = recall<ReserveSettleResult>(state, key);
  if (seen) return seen;
  const boot = settleConflict(state, input);
  if (typeof boot === 'string') return remember(state, key, { status: 'unavailable', reason: boot });
  const host = pickSettleHost(state.hosts, state.policy, { ...boot, exclude: input.exclude ?? [] });
  if (host === undefined) {
    return remember(state, key, { status: 'unavailable', reason: `no settle host fits vm "${input.vmId}"` });
  }
  const settle: Reservation = { ...boot, reservationId: input.reservationId, kind: 'settle', host: null };
  track(state, settle);
  placeOn(state, settle, host);
  return remember(state, key, { status: 'reserved', host });
}

/** The VM now runs on its settle host: the settle slot becomes committed and the boot slot is freed. */
export function commitMove(state: LedgerState, input: CommitMoveInput): CommitMoveResult {
  const key = `commitMove:${input.reservationId}`;
  const seen = recall<CommitMoveResult>(state, key);
  if (seen) return seen;
  const settle = getOwn(state.reservations, input.reservationId);
  if (settle?.kind !== 'settle' || settle.vmId !== input.vmId || settle.host === null) {
    return remember(state, key, { status: 'unknown' });
  }
  const bootId = getOwn(state.vms, input.vmId)?.boot;
  if (bootId !== undefined) release(state, { reservationId: bootId });
  settle.status = 'committed';
  return remember(state, key, { status: 'committed', host: settle.host });
}

/**
 * Releases whatever a VM still holds (boot slot, settle slot, queued request), whichever reservation ids it used:
 * what decommissioning needs. Idempotent by nature: a second call finds nothing left.
 */
export function releaseVm(state: LedgerState, input: ReleaseVmInput): ReleaseVmResult {
  const slots = getOwn(state.vms, input.vmId);
  const ids = [slots?.boot, slots?.settle].filter((id): id is string => id !== undefined);
  for (const reservationId of ids) release(state, { reservationId });
  return { status: 'released', reservations: ids };
}

export function release(state: LedgerState, input: ReleaseInput): ReleaseResult {
  const key = `release:${input.reservationId}`;
  const seen = recall<ReleaseResult>(state, key);
  if (seen) return seen;
  const reservation = getOwn(state.reservations, input.reservationId);
  // An unknown id is remembered too: a late reserve with it must not take a slot that nobody will free.
  if (reservation === undefined) return remember(state, key, { status: 'unknown' });
  drop(state, reservation);
  return remember(state, key, { status: 'released' });
}

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
