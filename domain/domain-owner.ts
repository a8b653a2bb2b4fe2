// Whose a libvirt domain is. Domain and volume names are hashes of the VM id, so a VM re-created under the same id
// (a new provisioning workflow, after the old one ended) gets the same names on a host. A teardown that comes late
// (reclaimLeaked retrying a destroy for days, a saga undoing an old run) must then not destroy the new VM or delete
// its disk. Each domain records the run chain that made it (the workflow's first run id, which a reset and a
// continue-as-new keep), and a destroy names the chain it undoes.

/** What a destroy names as the domain it means. */
export interface DomainOwner {
  vmId: string;
  /** The provisioning workflow's first run id; omitted (a decommission) means any run of this VM. */
  firstRunId?: string;
}

/** The bootshift metadata keys in a domain's XML that identify its owner. */
export interface OwnerMetadata {
  vmId?: string;
  firstRunId?: string;
}

/**
 * `ours`: destroy it. `another-run`: this VM's id, made by a later provisioning: what the caller meant is gone, and
 * this domain and its volumes are left alone. `another-vm`: a name clash with another VM (or a domain bootshift did
 * not define), which waiting will not resolve. A domain defined before run chains were recorded is judged by its VM id.
 */
export type Ownership = 'ours' | 'another-run' | 'another-vm';

export function ownershipOf(metadata: OwnerMetadata | undefined, owner: DomainOwner): Ownership {
  if (metadata?.vmId !== owner.vmId) return 'another-vm';
  if (owner.firstRunId !== undefined && metadata.firstRunId !== undefined && metadata.firstRunId !== owner.firstRunId) return 'another-run';
  return 'ours';
}
