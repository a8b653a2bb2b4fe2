// Small builders for inventories and ledgers, so each test states only the numbers it is about.
import { parseInventory, type Inventory } from '../../../domain';
import { createLedger, type LedgerState } from '../../../simulator/ledger';

export interface HostSpec {
  name: string;
  pool: 'boot' | 'settle';
  cpus: number;
  memoryMiB?: number;
  cpuAllocationRatio?: number;
  state?: 'active' | 'draining' | 'down';
}

export function rawHost(spec: HostSpec, index = 0): Record<string, unknown> {
  return {
    uri: `qemu+unix:///system?socket=/tmp/bs-test/h${index}/libvirt-sock`,
    memoryMiB: 4096,
    ...spec,
  };
}

export function inventoryOf(hosts: HostSpec[], bootVcpusWithinCpus = true, fleet = 'lab'): Inventory {
  return parseInventory({ fleet, policy: { bootVcpusWithinCpus }, hosts: hosts.map(rawHost) });
}

export function ledgerOf(hosts: HostSpec[], bootVcpusWithinCpus = true): LedgerState {
  return createLedger(inventoryOf(hosts, bootVcpusWithinCpus));
}

let counter = 0;
/** Unique ids per test run, so no test depends on another's leftovers. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function bootRequest(vmId: string, vcpus = 1, memoryMiB = 256, antiAffinityGroup?: string) {
  return {
    reservationId: `${vmId}/boot`,
    vmId,
    workflowId: `vm/p/s/${vmId}`,
    vcpus,
    memoryMiB,
    ...(antiAffinityGroup !== undefined && { antiAffinityGroup }),
  };
}
