// The figures a results table needs, from one policy's run. Boot time counts from the request, so time spent in
// the boot queue is charged to the policy that made the VM wait.
import type { SimOutcome } from './engine';
import type { SimHost } from './fleet';
import type { PolicyName } from './policies';

export interface PolicyFigures {
  policy: PolicyName;
  bootP50: number;
  bootP95: number;
  bootP99: number;
  /** mean of (boot complete - boot start) / the VM's alone boot time: the inflation alone, queueing excluded */
  meanInflation: number;
  /** request to boot complete, sorted ascending: the boot-time CDF */
  bootTimes: number[];
  allBootedAt: number;
  /** time the last VM settled (NaN when some never did) */
  makespan: number;
  peakQueue: number;
  /** hosts holding at least one of the simulated VMs at the end; density is measured over them, tenants included */
  hostsUsed: number;
  vmsPerHost: number;
  vcpusPerCpu: number;
  /** still queued at the end (no room anywhere) / booted but found no settle room */
  unplaced: number;
  stranded: number;
}

/** Nearest rank on an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

function density(hosts: readonly SimHost[]): Pick<PolicyFigures, 'hostsUsed' | 'vmsPerHost' | 'vcpusPerCpu'> {
  const used = hosts.map((host) => host.record);
  const vms = used.reduce((sum, host) => sum + host.usage.vms, 0);
  const vcpus = used.reduce((sum, host) => sum + host.usage.vcpus, 0);
  const cpus = used.reduce((sum, host) => sum + host.cpus, 0);
  return { hostsUsed: used.length, vmsPerHost: vms / used.length, vcpusPerCpu: vcpus / cpus };
}

export function figures(outcome: SimOutcome): PolicyFigures {
  const booted = outcome.runs.filter((run) => run.bootDone !== undefined && run.bootStart !== undefined);
  const bootTimes = booted.map((run) => (run.bootDone as number) - run.vm.arrival).sort((a, b) => a - b);
  const inflation = booted.reduce(
    (sum, run) => sum + ((run.bootDone as number) - (run.bootStart as number)) / run.vm.aloneSeconds,
    0,
  );
  const latest = (times: number[]) => times.reduce((max, t) => Math.max(max, t), 0);
  const settled = outcome.runs.map((run) => run.settled ?? NaN);
  const holding = new Set(outcome.runs.flatMap((run) => (run.bootDone === undefined || !run.host ? [] : [run.host])));
  return {
    policy: outcome.policy,
    bootP50: percentile(bootTimes, 0.5),
    bootP95: percentile(bootTimes, 0.95),
    bootP99: percentile(bootTimes, 0.99),
    meanInflation: inflation / booted.length,
    bootTimes,
    allBootedAt: latest(booted.map((run) => run.bootDone as number)),
    makespan: settled.some(Number.isNaN) ? NaN : latest(settled),
    peakQueue: outcome.peakQueue,
    ...density([...holding]),
    unplaced: outcome.runs.filter((run) => run.phase === 'queued').length,
    stranded: outcome.runs.filter((run) => run.phase === 'stranded').length,
  };
}
