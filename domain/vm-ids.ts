// Names derived from a VM's id alone, so that every party (the provisioning workflow, the decommissioning workflow,
// the invariant checker, an operator with virsh) computes the same ones without asking: the libvirt domain name
// (readable prefix from the VM name, uniqueness from a hash of the whole id, since ids contain "/") and the ledger
// reservation ids.

/** FNV-1a, 32 bit: deterministic and dependency-free, which workflow code needs. Not for security. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export const DOMAIN_NAME_PATTERN = /^bs-[a-z0-9-]{1,40}-[0-9a-f]{8}$/;

/** The last segment of a VM id (`vm/<project>/<stack>/<name>` → `<name>`): the name people know it by. */
export function vmNameOf(vmId: string): string {
  return vmId.slice(vmId.lastIndexOf('/') + 1);
}

export function domainNameFor(vmId: string): string {
  const readable = vmNameOf(vmId).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40) || 'vm';
  return `bs-${readable}-${fnv1a(vmId).toString(16).padStart(8, '0')}`;
}

// Reservation ids name the provisioning run, not just the VM: the ledger refuses to reuse a released id (a late
// duplicate must not take a slot nobody will free), and a VM re-created under the same name is a new run.
export function bootReservationId(vmId: string, runId: string): string {
  return `${vmId}@${runId}:boot`;
}

/** One settle reservation per attempt: a failed target's slot is released and the next attempt gets a new id. */
export function settleReservationId(vmId: string, runId: string, attempt: number): string {
  return `${vmId}@${runId}:settle-${attempt}`;
}
