// The fleet P3 measures, defined once for its three parts (the pure picks, the PostgreSQL ledger, the workflow ledger):
// hosts of 16 CPUs and 256 GiB, one in ten a boot host, ten VMs per host of 1/2/4 vCPUs, 98% of them settled and the
// rest still holding a boot slot, as in a fleet part-way through its boots.
import { parseInventory, type Inventory } from '../../domain';
import { commitMove, createLedger, reserveBoot, reserveSettle, type LedgerState } from '../../simulator/ledger';

export const HOST = { cpus: 16, memoryMiB: 262144 };
export const BOOT_HOST_EVERY = 10;
export const VMS_PER_HOST = 10;
export const BOOTING_SHARE = 0.02;

export const SHAPES = [
  { vcpus: 1, memoryMiB: 2048 },
  { vcpus: 2, memoryMiB: 4096 },
  { vcpus: 4, memoryMiB: 8192 },
];
export const shapeOf = (i: number) => SHAPES[i % SHAPES.length] as (typeof SHAPES)[number];

/** What every measured claim asks for: the smallest shape, so the boot pool has room for all the claims of a run. */
export const CLAIM = SHAPES[0] as (typeof SHAPES)[number];

export const bootHostsOf = (hosts: number): number => hosts / BOOT_HOST_EVERY;
export const bootingOf = (vms: number): number => Math.round(vms * BOOTING_SHARE);

/** Hosts `boot-0` … then `settle-<n>` numbered on from there; settle hosts take the default cpuAllocationRatio. */
export function fleetInventory(fleet: string, hosts: number): Inventory {
  const bootHosts = bootHostsOf(hosts);
  const host = (i: number) => {
    const pool = i < bootHosts ? 'boot' : 'settle';
    return { name: `${pool}-${i}`, uri: `test:///simulated/${fleet}/${pool}-${i}`, ...HOST, pool };
  };
  return parseInventory({ fleet, hosts: Array.from({ length: hosts }, (_, i) => host(i)) });
}

/**
 * The in-memory ledger of the fleet with `vms` VMs, built with the domain's own transitions: reserveBoot →
 * reserveSettle → commitMove for every VM but the last booting ones, which keep their boot slot.
 */
export function fleetState(fleet: string, hosts: number, vms: number): { state: LedgerState; settled: number } {
  const state = createLedger(fleetInventory(fleet, hosts));
  const booting = bootingOf(vms);
  let settled = 0;
  for (let i = 0; i < vms; i += 1) {
    const vmId = `vm-${i}`;
    const boot = reserveBoot(state, { reservationId: `b-${i}`, vmId, workflowId: vmId, ...shapeOf(i) });
    if (boot.status !== 'reserved') throw new Error(`vm ${i}: boot slot ${boot.status}`);
    if (i >= vms - booting) continue;
    if (reserveSettle(state, { reservationId: `s-${i}`, vmId }).status !== 'reserved') throw new Error(`vm ${i}: no settle room`);
    commitMove(state, { vmId, reservationId: `s-${i}` });
    settled += 1;
  }
  return { state, settled };
}
