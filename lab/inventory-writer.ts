// The lab describes its hosts the way an operator describes a real fleet (the inventory of domain/inventory.ts),
// so everything downstream runs unchanged against lab hosts.
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';

export interface LabInventoryHost {
  name: string;
  uri: string;
  pool: 'boot' | 'settle';
}

export interface LabInventoryOptions {
  cpus: number;
  memoryMiB: number;
  cpuAllocationRatio: number;
}

export function labInventory(hosts: LabInventoryHost[], opts: LabInventoryOptions): object {
  return {
    fleet: 'lab',
    hosts: hosts.map((host) => ({
      name: host.name,
      uri: host.uri,
      cpus: opts.cpus,
      memoryMiB: opts.memoryMiB,
      pool: host.pool,
      ...(host.pool === 'settle' && { cpuAllocationRatio: opts.cpuAllocationRatio }),
      state: 'active',
      // All lab hosts share one hostname, so migration needs an explicit address; loopback reaches every host.
      migrationAddress: '127.0.0.1',
      // TCG: on the machines this was tried on, a KVM guest hung (see LAB-NOTES.md).
      domainType: 'qemu',
    })),
  };
}

export function writeInventory(file: string, inventory: object): void {
  writeFileSync(file, YAML.stringify(inventory));
}
