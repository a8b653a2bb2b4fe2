// What the hypervisors really hold, for the invariant checker: asked of libvirt through the Hypervisor port, or read
// from the file a simulated fleet keeps (the simulated hosts live inside the worker process).
import { readFileSync } from 'node:fs';
import type { Hypervisor } from '../activities/hypervisor';
import type { SimulatedSnapshot } from '../activities/simulated-hypervisor';
import type { Inventory } from '../domain';
import type { ObservedDomain } from './invariants';

export async function observeHypervisor(hypervisor: Hypervisor, inventory: Inventory): Promise<ObservedDomain[]> {
  const all = await Promise.all(
    inventory.hosts.map(async (host) =>
      (await hypervisor.listDomains({ name: host.name, uri: host.uri })).map((d) => ({
        host: host.name,
        name: d.name,
        ...(d.metadata?.vmId && { vmId: d.metadata.vmId }),
        running: d.state.state === 'running',
        vcpus: d.vcpus,
        memoryMiB: d.memoryMiB,
      })),
    ),
  );
  return all.flat();
}

export function observeSimulatedFleet(stateFile: string): ObservedDomain[] {
  const snapshot = JSON.parse(readFileSync(stateFile, 'utf8')) as SimulatedSnapshot;
  return Object.entries(snapshot).flatMap(([host, { domains }]) =>
    domains.map((d) => ({
      host,
      name: d.name,
      ...(d.metadata?.vmId && { vmId: d.metadata.vmId }),
      running: d.state.state === 'running',
      vcpus: d.vcpus,
      memoryMiB: d.memoryMiB,
    })),
  );
}
