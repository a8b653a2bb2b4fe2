// A read-only view of the ledger for the CLI (`bootshift hosts`), the invariant checker and tests: per-host load and
// headroom under the policy, the boot queue in order, capacity held for leaked domains, and totals.
import type { FleetPolicy } from '../inventory';
import type { HostState, Pool } from '../inventory';

export interface HostSnapshot {
  name: string;
  pool: Pool;
  state: HostState;
  cpus: number;
  memoryMiB: number;
  cpuAllocationRatio: number | null;
  /** ids of VMs holding a reservation here, sorted */
  vms: string[];
  vcpusUsed: number;
  memoryUsedMiB: number;
  /** null when the policy puts no vCPU limit on the host (boot host with bootVcpusWithinCpus off) */
  freeVcpus: number | null;
  /** null on settle hosts, which have no VM-count limit */
  freeVmSlots: number | null;
  freeMemoryMiB: number;
}

export interface QueuedBoot {
  position: number;
  reservationId: string;
  vmId: string;
  vcpus: number;
  memoryMiB: number;
}

/** Capacity held for a domain that could not be destroyed: counted as used until a decommission or an operator clears it. */
export interface LeakedReservation {
  reservationId: string;
  vmId: string;
  host: string;
  vcpus: number;
  memoryMiB: number;
  reason: string;
  /** ISO time it was marked */
  since: string;
}

export interface LedgerSnapshot {
  fleet: string;
  policy: FleetPolicy;
  hosts: HostSnapshot[];
  queue: QueuedBoot[];
  leaked: LeakedReservation[];
  counts: { hosts: number; vms: number; bootReserved: number; settleReserved: number; committed: number; queued: number; leaked: number };
}
