// Everything a caller hands the hypervisor is checked before any virsh runs or any XML is built: names and URIs
// become argv elements and file names, spec values end up in domain XML. Both adapters (libvirt and the simulated
// one) use these checks, so a bad input fails the same way, permanently, whichever is behind the port. The field
// rules are the domain's own (one URI, address, path and name rule for the whole product); what is added here is what
// only the XML needs.
import { z } from 'zod';
import {
  DOMAIN_NAME_PATTERN,
  Failure,
  absolutePathSchema,
  formatIssues,
  libvirtUriSchema,
  migrationAddressSchema,
  storagePoolNameSchema,
  volumeNameSchema,
} from '../../domain';
import { HypervisorError, type DomainSpec, type HostRef, type PoolRef } from '../hypervisor';

// XML 1.0 cannot carry most control characters at all, escaped or not; libvirt would reject the document.
const XML_TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]*$/;
const xmlText = (max: number) => z.string().max(max).regex(XML_TEXT, { error: 'must not contain control characters' });
const oneLine = (max: number) =>
  z.string().max(max).regex(/^[^\u0000-\u001F\u007F]*$/, { error: 'must be one line of printable text' });
const domainNameSchema = z.string().regex(DOMAIN_NAME_PATTERN, { error: `must match ${DOMAIN_NAME_PATTERN.source}` });

const domainSpecSchema = z.strictObject({
  name: domainNameSchema,
  uuid: z.guid(),
  vcpus: z.int().min(1).max(4096),
  memoryMiB: z.int().min(1).max(16 * 1024 * 1024),
  image: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('kernel'), kernel: absolutePathSchema, initrd: absolutePathSchema, cmdline: oneLine(4096) }),
    z.strictObject({ kind: z.literal('disk'), disk: absolutePathSchema, seed: absolutePathSchema.optional() }),
  ]),
  guestAgent: z.boolean().optional(),
  consoleLog: absolutePathSchema.optional(),
  metadata: z.record(xmlText(256).min(1), xmlText(4096)).optional(),
});

const hostSchema = z.object({
  name: z.string().min(1),
  uri: libvirtUriSchema,
  migrationAddress: migrationAddressSchema.optional(),
  domainType: z.enum(['qemu', 'kvm']).optional(),
});

function problems(error: z.ZodError): string {
  return formatIssues(error.issues).join('; ');
}

export function checkHost(host: HostRef): HostRef {
  const result = hostSchema.safeParse(host);
  if (result.success) return host;
  const message = `invalid host ${JSON.stringify(host?.name)}: ${problems(result.error)}`;
  throw new HypervisorError(message, Failure.InvalidHost, true);
}

export function checkDomainName(name: string): string {
  const result = domainNameSchema.safeParse(name);
  if (result.success) return name;
  throw new HypervisorError(`invalid domain name ${JSON.stringify(name)}: ${problems(result.error)}`, Failure.InvalidDomainSpec, true);
}

export function checkDomainSpec(spec: DomainSpec): DomainSpec {
  const result = domainSpecSchema.safeParse(spec);
  if (result.success) return spec;
  const message = `invalid domain spec ${JSON.stringify(spec?.name)}: ${problems(result.error)}`;
  throw new HypervisorError(message, Failure.InvalidDomainSpec, true);
}

const poolSchema = z.strictObject({ name: storagePoolNameSchema, path: absolutePathSchema });

export function checkPool(pool: PoolRef): PoolRef {
  const result = poolSchema.safeParse(pool);
  if (result.success) return pool;
  throw new HypervisorError(`invalid storage pool ${JSON.stringify(pool?.name)}: ${problems(result.error)}`, Failure.InvalidHost, true);
}

export function checkVolumeName(name: string): string {
  const result = volumeNameSchema.safeParse(name);
  if (result.success) return name;
  throw new HypervisorError(`invalid volume name ${JSON.stringify(name)}: ${problems(result.error)}`, Failure.InvalidDomainSpec, true);
}
