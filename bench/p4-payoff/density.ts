// Host B's final density as libvirt reports it (running domains and their vCPUs), per physical CPU it is pinned to.
import type { HostConfig } from '../../domain';
import { virsh } from '../../lab/virsh';

export interface Density {
  vms: number;
  vcpus: number;
  pcpus: number;
  vcpusPerPcpu: number;
}

export async function density(host: HostConfig, pcpus: number): Promise<Density> {
  const names = (await virsh(host.uri, ['list', '--name', '--state-running'])).split('\n').map((l) => l.trim()).filter(Boolean);
  let vcpus = 0;
  for (const name of names) vcpus += Number(/^CPU\(s\):\s+(\d+)/m.exec(await virsh(host.uri, ['dominfo', name]))?.[1] ?? Number.NaN);
  return { vms: names.length, vcpus, pcpus, vcpusPerPcpu: vcpus / pcpus };
}
