// The mutable state of one simulation run and the small helpers every event handler uses: schedule an event,
// report a change to the observer, recompute a host's boot rates.
import type { FleetPolicy, HostRecord } from '../domain';
import { makeHosts, type SimHost, type VmRun } from './fleet';
import { MinHeap } from './heap';
import type { SimParams } from './params';
import type { PolicyName } from './policies';
import { reschedule } from './progress';
import type { SimVm, Workload } from './workload';

export interface Observation {
  at: number;
  kind: 'boot-start' | 'boot-done' | 'settled' | 'stranded';
  vm: SimVm;
  hosts: readonly HostRecord[];
}

export interface SimulateInput {
  params: SimParams;
  policy: PolicyName;
  workload: Workload;
  /** called after every change of placement, e.g. to check invariants */
  observe?: (observation: Observation) => void;
}

export type Scheduled =
  | { kind: 'arrive' | 'boot-done' | 'migrated'; run: VmRun }
  | { kind: 'cpu-done'; host: SimHost; version: number };
/** seq breaks ties between events at the same instant in the order they were scheduled */
type SimEvent = Scheduled & { at: number; seq: number };

export interface SimState {
  input: SimulateInput;
  fleetPolicy: FleetPolicy;
  hosts: SimHost[];
  records: HostRecord[];
  byName: Map<string, SimHost>;
  runs: VmRun[];
  events: MinHeap<SimEvent>;
  /** strict FIFO, as the fleet ledger: a newcomer waits behind the queue even if it would fit */
  queue: VmRun[];
  queueHead: number;
  peakQueue: number;
  seq: number;
  now: number;
}

export function createState(input: SimulateInput): SimState {
  const { params, policy, workload } = input;
  const hosts = makeHosts(params, policy, workload.tenants);
  const sim: SimState = {
    input,
    fleetPolicy: { bootVcpusWithinCpus: params.bootVcpusWithinCpus },
    hosts,
    records: hosts.map((host) => host.record),
    byName: new Map(hosts.map((host) => [host.record.name, host])),
    runs: workload.vms.map((vm): VmRun => ({ vm, phase: 'queued', remaining: 0, rate: 0 })),
    events: new MinHeap<SimEvent>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq)),
    queue: [],
    queueHead: 0,
    peakQueue: 0,
    seq: 0,
    now: 0,
  };
  for (const run of sim.runs) schedule(sim, run.vm.arrival, { kind: 'arrive', run });
  return sim;
}

export function schedule(sim: SimState, at: number, event: Scheduled): void {
  sim.events.push({ ...event, at, seq: sim.seq++ });
}

export function observe(sim: SimState, kind: Observation['kind'], vm: SimVm): void {
  sim.input.observe?.({ at: sim.now, kind, vm, hosts: sim.records });
}

export function rescheduleHost(sim: SimState, host: SimHost): void {
  const next = reschedule(host, sim.input.params, sim.now);
  if (next !== undefined) schedule(sim, next, { kind: 'cpu-done', host, version: host.version });
}

export function hostNamed(sim: SimState, name: string): SimHost {
  const host = sim.byName.get(name);
  if (host === undefined) throw new Error(`sim invariant: placement chose unknown host ${name}`);
  return host;
}

export function migrationSeconds(params: SimParams, vm: SimVm): number {
  return vm.memoryMiB / params.migrationMiBps + params.migrationOverheadSeconds;
}
