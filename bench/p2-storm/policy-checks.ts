// "Zero policy violations", checked from both sides: what the ledger believes (its snapshot) and what the hypervisor
// actually holds (the simulated fleet). Each returns human-readable violations; an empty list is the pass.
import type { Inventory, LedgerSnapshot } from '../../domain';
import { DEFAULT_CPU_ALLOCATION_RATIO } from '../../domain/inventory';
import type { SimulatedSnapshot } from '../../activities/simulated-hypervisor';

export function ledgerViolations(snapshot: LedgerSnapshot): string[] {
  return snapshot.hosts.flatMap((h) => [
    ...(h.freeVcpus !== null && h.freeVcpus < 0 ? [`ledger: ${h.name} over its vCPU limit by ${-h.freeVcpus}`] : []),
    ...(h.freeVmSlots !== null && h.freeVmSlots < 0 ? [`ledger: ${h.name} holds ${-h.freeVmSlots} VMs more than its CPUs`] : []),
    ...(h.freeMemoryMiB < 0 ? [`ledger: ${h.name} memory overcommitted by ${-h.freeMemoryMiB} MiB`] : []),
  ]);
}

/** Domains on each host against the host's policy; boot hosts may hold no more VMs (and vCPUs) than CPUs. */
export function fleetViolations(fleet: SimulatedSnapshot, inventory: Inventory): string[] {
  return inventory.hosts.flatMap((host) => {
    const domains = fleet[host.name]?.domains ?? [];
    const vcpus = domains.reduce((sum, d) => sum + d.vcpus, 0);
    const memory = domains.reduce((sum, d) => sum + d.memoryMiB, 0);
    const vcpuLimit = host.pool === 'boot' ? host.cpus : Math.floor((host.cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO) * host.cpus);
    return [
      ...(host.pool === 'boot' && domains.length > host.cpus ? [`fleet: ${host.name} runs ${domains.length} VMs on ${host.cpus} CPUs`] : []),
      ...(vcpus > vcpuLimit ? [`fleet: ${host.name} runs ${vcpus} vCPUs, limit ${vcpuLimit}`] : []),
      ...(memory > host.memoryMiB ? [`fleet: ${host.name} holds ${memory} MiB of ${host.memoryMiB}`] : []),
    ];
  });
}

/** At the end: every VM exactly once, running, on a settle host. */
export function finalPlacementProblems(fleet: SimulatedSnapshot, inventory: Inventory, expected: number): string[] {
  const pool = new Map(inventory.hosts.map((h) => [h.name, h.pool]));
  const all = Object.entries(fleet).flatMap(([host, { domains }]) => domains.map((d) => ({ host, d })));
  const names = new Set(all.map((x) => x.d.name));
  return [
    ...(all.length !== expected || names.size !== expected ? [`fleet: ${all.length} domains (${names.size} distinct), expected ${expected}`] : []),
    ...all.filter((x) => pool.get(x.host) !== 'settle').map((x) => `fleet: ${x.d.name} left on ${x.host}`),
    ...all.filter((x) => x.d.state.state !== 'running').map((x) => `fleet: ${x.d.name} is ${x.d.state.state}`),
  ];
}
