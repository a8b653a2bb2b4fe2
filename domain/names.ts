// Names end up in libvirt domain names, Temporal workflow ids and file paths, so they are validated once, here,
// with one rule everywhere. Everything else is derived from a VM's id alone, never typed by hand, so that every
// party (the provisioning and decommissioning workflows, the invariant checker, an operator with virsh) computes the
// same names without asking: the workflow ids, the libvirt domain name (a readable prefix from the VM name, uniqueness
// from a hash of the whole id, since ids contain "/") and the ledger's reservation ids.
import { z } from 'zod';
import { ValidationError, formatIssues, rule } from './validation';

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const nameSchema = z
  .string({ error: rule('must be a string') })
  .regex(NAME_PATTERN, { error: 'must be 1-63 characters of a-z, 0-9 and "-", starting with a letter' });

export const PROJECT_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
export const projectSchema = z
  .string({ error: rule('must be a string') })
  .regex(PROJECT_PATTERN, { error: 'must be 1-100 characters of A-Z, a-z, 0-9, ".", "_" and "-"' });

// Ids chosen by callers (reservation ids, VM ids, workflow ids). They start with a letter or digit, which also
// keeps them from ever being "__proto__" when used as keys of the ledger's plain-JSON records.
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,254}$/;
export const idSchema = z
  .string({ error: rule('must be a string') })
  .regex(ID_PATTERN, { error: 'must be 1-255 characters of A-Z, a-z, 0-9, ".", "_", ":", "/", "@" and "-"' });

/** Storage volume names (base images, VMs' disks and seeds): one path component, so never "/" or "..". */
export const VOLUME_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const volumeNameSchema = z
  .string({ error: rule('must be a string') })
  .regex(VOLUME_NAME_PATTERN, { error: 'must be a volume name: 1-128 characters of A-Z, a-z, 0-9, ".", "_" and "-", not starting with "." or "-"' })
  .refine((name) => !name.includes('..'), { error: 'must not contain ".."' });

export class NameError extends ValidationError {}

function check(what: string, fields: Record<string, [z.ZodType, unknown]>): void {
  const issues = Object.entries(fields).flatMap(([field, [schema, value]]) => {
    const result = schema.safeParse(value);
    return result.success ? [] : formatIssues(result.error.issues.map((i) => ({ ...i, path: [field, ...i.path] })));
  });
  if (issues.length > 0) throw new NameError(what, issues);
}

export function vmWorkflowId(project: string, stack: string, name: string): string {
  check('invalid VM workflow id', {
    project: [projectSchema, project],
    stack: [projectSchema, stack],
    name: [nameSchema, name],
  });
  return `vm/${project}/${stack}/${name}`;
}

/**
 * FNV-1a, 64 bit: deterministic and dependency-free, which workflow code needs. 32 bits let two VM ids share a domain
 * name within a second of searching; 64 bits need billions of VMs for an accidental clash, and destroy checks the
 * domain's own metadata besides. Not for security.
 */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  // VM ids are ASCII (ID_PATTERN), so code units are bytes.
  for (let i = 0; i < text.length; i += 1) {
    hash ^= BigInt(text.charCodeAt(i) & 0xff);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * What the hypervisor adapters accept as a libvirt domain name: it becomes a virsh argument and part of file names.
 * bootshift's own names (domainNameFor) are a subset.
 */
export const DOMAIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The last segment of a VM id (`vm/<project>/<stack>/<name>` → `<name>`): the name people know it by. */
export function vmNameOf(vmId: string): string {
  return vmId.slice(vmId.lastIndexOf('/') + 1);
}

export function domainNameFor(vmId: string): string {
  const readable = vmNameOf(vmId).toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40) || 'vm';
  return `bs-${readable}-${fnv1a64(vmId)}`;
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

/** What a reservation was made for, from its id: "boot", "settle-2". */
export function reservationPurposeOf(reservationId: string): string {
  return reservationId.slice(reservationId.lastIndexOf(':') + 1);
}

// The volumes a VM owns in a host's pool, named after its domain, so that destroying a VM deletes exactly these and
// a host's volumes can be traced back to their VM.
export function overlayVolumeOf(domainName: string): string {
  return `${domainName}.qcow2`;
}

/** The NoCloud seed: lives only while the guest boots, then is ejected and deleted. */
export function seedVolumeOf(domainName: string): string {
  return `${domainName}-seed.iso`;
}

export function ownedVolumesOf(domainName: string): string[] {
  return [overlayVolumeOf(domainName), seedVolumeOf(domainName)];
}

/** Whether a volume name is one of a VM's own (never a base image: a VM must not be layered on another's disk). */
export function isVmVolume(name: string): boolean {
  return /^bs-[a-z0-9-]{1,40}-[0-9a-f]{8,16}(\.qcow2|-seed\.iso)$/.test(name);
}

/**
 * A cached base image is keyed by its content: `debian-12-cloud.qcow2` with sha256 `ab12…` is the volume
 * `debian-12-cloud-ab12….qcow2`, so two files with one name are never confused and a changed file is a new base.
 */
export function baseVolumeOf(fileName: string, sha256: string): string {
  const dot = fileName.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  return `${stem}-${sha256.slice(0, 16)}${ext}`;
}
