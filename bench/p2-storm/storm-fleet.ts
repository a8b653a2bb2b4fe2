// The fleet of the boot storm: boot capacity deliberately short of the demand (so VMs queue in the ledger) and
// settle room to spare, on the simulated hypervisor, whose guests "phone home" through the real boot signaller.
import { parseInventory, type Inventory } from '../../domain';
import type { InventoryPort } from '../../activities/ports';

export interface StormShape {
  vms: number;
  bootHosts: number;
  bootCpus: number;
  settleHosts: number;
  settleCpus: number;
  cpuAllocationRatio: number;
  bootMs: number;
  migrateMs: number;
}

export const DEFAULT_STORM: StormShape = {
  vms: 1000,
  bootHosts: 10,
  bootCpus: 8,
  settleHosts: 10,
  settleCpus: 32,
  cpuAllocationRatio: 4,
  bootMs: 200,
  migrateMs: 200,
};

export const VM_SHAPE = { vcpus: 1, memoryMiB: 128 };

const STORM_IMAGE_DIR = '/boot';
export const STORM_IMAGE = { kind: 'kernel', kernel: `${STORM_IMAGE_DIR}/vmlinuz`, initrd: `${STORM_IMAGE_DIR}/initrd.img` } as const;

export function stormInventory(fleet: string, shape: StormShape): Inventory {
  const host = (pool: 'boot' | 'settle', i: number, cpus: number) => ({
    name: `${pool}-${i + 1}`,
    uri: `test:///simulated/${fleet}/${pool}-${i + 1}`,
    cpus,
    memoryMiB: 1024 * cpus * 4,
    pool,
    ...(pool === 'settle' && { cpuAllocationRatio: shape.cpuAllocationRatio }),
  });
  return parseInventory({
    fleet,
    // The simulated hypervisor boots nothing, but the worker still checks a kernel image lies inside imageDirs.
    imageDirs: [STORM_IMAGE_DIR],
    hosts: [
      ...Array.from({ length: shape.bootHosts }, (_, i) => host('boot', i, shape.bootCpus)),
      ...Array.from({ length: shape.settleHosts }, (_, i) => host('settle', i, shape.settleCpus)),
    ],
  });
}

export function inventoryPort(inventory: Inventory): InventoryPort {
  return {
    load: async () => inventory,
    host: async (_fleet, name) => {
      const host = inventory.hosts.find((h) => h.name === name);
      if (!host) throw new Error(`unknown host ${name}`);
      return host;
    },
  };
}
