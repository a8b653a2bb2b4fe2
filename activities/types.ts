// Inputs and results of bootshift's activities: one object in, one object out, plain JSON. Workflows import these
// as types only.
import type { VmSpec } from '../domain';

export interface FleetRef {
  fleet: string;
}

export interface DefineAndStartVmInput extends FleetRef {
  vmId: string;
  workflowId: string;
  domainName: string;
  uuid: string;
  host: string;
  spec: VmSpec;
}

export interface MigrateVmInput extends FleetRef {
  workflowId: string;
  domainName: string;
  from: string;
  to: string;
  attempt: number;
}

export interface DestroyVmInput extends FleetRef {
  host: string;
  domainName: string;
}

export interface LocateVmInput extends FleetRef {
  domainName: string;
  /** Hosts to look on; omitted means every host of the fleet's inventory. */
  hosts?: string[];
}

export interface LocateVmResult {
  found: Array<{ host: string; state: string; reason?: string }>;
  /** Hosts that could not be asked (daemon down, network cut): the VM may or may not be there. */
  unreachable: string[];
}
