// The fleet inventory: which libvirt hosts exist, in which pool, with how much CPU and memory. Callers parse the
// YAML/JSON file themselves and hand the result here; everything after this point can trust the shape. Field rules
// come first (the Pulumi provider, the CLI and the hypervisor adapters reuse single ones, such as a libvirt URI), then
// the rules that span several hosts.
import { z } from 'zod';
import { nameSchema } from './names';
import { ValidationError, absolutePathSchema, formatIssues, issueLine, positiveIntSchema, rule } from './validation';

export const POOLS = ['boot', 'settle'] as const;
export const HOST_STATES = ['active', 'draining', 'down'] as const;
export const DOMAIN_TYPES = ['qemu', 'kvm'] as const;
export const STORAGES = ['local', 'shared'] as const;
export const DEFAULT_CPU_ALLOCATION_RATIO = 4.0;

// The URI is handed to virsh as one argv element; the character set still excludes whitespace and shell
// metacharacters (including "&", so only one query parameter fits) as a second line of defence.
// No "%" either: libvirt decodes percent-escapes, so "%26" would smuggle in the "&" this pattern keeps out.
export const LIBVIRT_URI_PATTERN =
  /^(qemu\+unix|qemu\+ssh|qemu\+tls|qemu\+tcp|qemu|test):\/\/[A-Za-z0-9._~@:[\]-]*\/[A-Za-z0-9._~/+-]*(\?[A-Za-z0-9._~/+=,-]*)?$/;

/**
 * The one query parameter a host URI may carry: where to find the socket or the credentials. Never `no_verify`
 * (it turns off the TLS certificate check) nor anything that runs a command.
 */
const URI_PARAMETERS = ['socket', 'keyfile', 'pkipath', 'known_hosts', 'sshauth', 'no_tty'];

export const libvirtUriSchema = z
  .string({ error: rule('must be a string') })
  .max(1024, { error: 'must be at most 1024 characters' })
  .regex(LIBVIRT_URI_PATTERN, {
    error: 'must be a libvirt URI (qemu+unix, qemu+ssh, qemu+tls, qemu+tcp, qemu or test scheme) without spaces, escapes or shell metacharacters',
  })
  .refine((uri) => !uri.includes('?') || URI_PARAMETERS.includes(uri.slice(uri.indexOf('?') + 1).split('=')[0] ?? ''), {
    error: `may carry one parameter, of ${URI_PARAMETERS.join(', ')} (never no_verify)`,
  });

const DEFAULT_PORTS: Record<string, string> = { 'qemu+ssh': '22', 'qemu+tls': '16514', 'qemu+tcp': '16509' };

/** The one spelling of a host URI, so that one host written two ways is seen as one host. */
export function normalizeLibvirtUri(uri: string): string {
  const match = /^([a-z+]+):\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^/:?]*)(?::(\d+))?(\/[^?]*)(\?.*)?$/i.exec(uri);
  if (!match) return uri;
  const [, scheme = '', user, host = '', port, path = '/', query = ''] = match;
  const s = scheme.toLowerCase();
  const p = port && port !== DEFAULT_PORTS[s] ? `:${port}` : '';
  const cleanPath = `/${path.split('/').filter(Boolean).join('/')}`;
  return `${s}://${user ? `${user}@` : ''}${host.toLowerCase()}${p}${cleanPath}${query}`;
}

// Used as tcp://<address>:<port> for the migration stream; an IPv6 address must be bracketed by the caller.
export const migrationAddressSchema = z.union([z.ipv4(), z.ipv6(), z.hostname()], {
  error: rule('must be an IPv4 address, an IPv6 address or a host name'),
});

export const cpuAllocationRatioSchema = z
  .number({ error: rule('must be a number from 1 to 64') })
  .min(1, { error: 'must be a number from 1 to 64' })
  .max(64, { error: 'must be a number from 1 to 64' });

export const labelsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, {
    error: 'label keys must be 1-63 characters of A-Z, a-z, 0-9, ".", "_", "/" and "-"',
  }),
  z.string({ error: 'must be a string' }).max(253, { error: 'must be at most 253 characters' }),
  { error: rule('must be a map of string labels') },
);

export const poolSchema = z.enum(POOLS, { error: rule('must be "boot" or "settle"') });
export const hostStateSchema = z.enum(HOST_STATES, { error: rule('must be "active", "draining" or "down"') });
export const domainTypeSchema = z.enum(DOMAIN_TYPES, { error: rule('must be "qemu" or "kvm"') });
export const storageSchema = z.enum(STORAGES, { error: rule('must be "local" or "shared"') });

export type Pool = (typeof POOLS)[number];
export type HostState = (typeof HOST_STATES)[number];
export type DomainType = (typeof DOMAIN_TYPES)[number];
export type Storage = (typeof STORAGES)[number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function duplicateIssue(
  seen: Map<string, number>,
  index: number,
  field: string,
  value: unknown,
  what: string,
): string[] {
  if (typeof value !== 'string') return [];
  if (!seen.has(value)) {
    seen.set(value, index);
    return [];
  }
  return [issueLine(['hosts', index, field], `duplicate ${what} ${JSON.stringify(value)}`)];
}

export function crossFieldIssues(raw: unknown): string[] {
  const hosts = isRecord(raw) && Array.isArray(raw.hosts) ? (raw.hosts as unknown[]) : [];
  const names = new Map<string, number>();
  const uris = new Map<string, number>();
  return hosts.flatMap((host, index) => {
    if (!isRecord(host)) return [];
    const ratioOnBoot =
      host.pool === 'boot' && host.cpuAllocationRatio !== undefined
        ? [issueLine(['hosts', index, 'cpuAllocationRatio'], 'is only allowed on settle hosts (boot hosts are never oversubscribed)')]
        : [];
    return [
      ...duplicateIssue(names, index, 'name', host.name, 'host name'),
      ...duplicateIssue(uris, index, 'uri', typeof host.uri === 'string' ? normalizeLibvirtUri(host.uri) : host.uri, 'host uri'),
      ...ratioOnBoot,
    ];
  });
}

export interface HostConfig {
  name: string;
  uri: string;
  cpus: number;
  memoryMiB: number;
  pool: Pool;
  /** Present on settle hosts only (defaulted to 4.0). */
  cpuAllocationRatio?: number;
  state: HostState;
  labels: Record<string, string>;
  migrationAddress?: string;
  domainType: DomainType;
  /**
   * `local`: the host's storage pool is its own (VMs' disks are copied during live migration, overlay only);
   * `shared`: every shared host sees one pool (nothing is copied).
   */
  storage: Storage;
}

const hostSchema = z
  .strictObject(
    {
      name: nameSchema,
      uri: libvirtUriSchema,
      cpus: positiveIntSchema,
      memoryMiB: positiveIntSchema,
      pool: poolSchema,
      cpuAllocationRatio: cpuAllocationRatioSchema.optional(),
      state: hostStateSchema.default('active'),
      labels: labelsSchema.default(() => ({})),
      migrationAddress: migrationAddressSchema.optional(),
      domainType: domainTypeSchema.default('qemu'),
      storage: storageSchema.default('local'),
    },
    { error: rule('must be a host object') },
  )
  .transform(({ cpuAllocationRatio, migrationAddress, ...host }): HostConfig => ({
    ...host,
    ...(host.pool === 'settle' && { cpuAllocationRatio: cpuAllocationRatio ?? DEFAULT_CPU_ALLOCATION_RATIO }),
    ...(migrationAddress !== undefined && { migrationAddress }),
  }));

const policySchema = z.strictObject(
  { bootVcpusWithinCpus: z.boolean({ error: rule('must be true or false') }).default(true) },
  { error: rule('must be an object') },
);

// The storage pool bootshift keeps images and VMs' disks in, on every host (created there if missing). Its path is
// on the host, which a qemu+ssh host resolves on its own filesystem.
/** A libvirt storage pool's name: it becomes a virsh argument and, on a dir pool, nothing else. */
export const storagePoolNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, "_" and "-"' });

const storagePoolSchema = z.strictObject(
  {
    name: storagePoolNameSchema,
    path: absolutePathSchema,
  },
  { error: rule('must be an object with name and path') },
);

export const inventorySchema = z.strictObject(
  {
    fleet: nameSchema,
    policy: policySchema.default(() => ({ bootVcpusWithinCpus: true })),
    /**
     * Where images may come from: base image files the worker uploads into the hosts' pools (found by name), and the
     * kernel and initrd files of kernel images (read by libvirt on the host). A path anywhere else is refused.
     */
    imageDirs: z
      .array(absolutePathSchema, { error: rule('must be a list of absolute directory paths') })
      .max(64, { error: 'must list at most 64 directories' })
      .default(() => []),
    storagePool: storagePoolSchema.default(() => ({ name: 'bootshift', path: '/var/lib/libvirt/bootshift' })),
    /**
     * How live migration streams travel: `tcp` (plain: a VM's memory and disk in clear, so only on a trusted migration
     * network) or `tls` (libvirt's --tls: qemu's native TLS, with the hosts' migration certificates).
     */
    migrationTransport: z.enum(['tcp', 'tls'], { error: rule('must be "tcp" or "tls"') }).default('tcp'),
    hosts: z.array(hostSchema, { error: rule('must be a list of hosts') }).min(1, { error: 'must list at least one host' }),
  },
  { error: 'must be an object with fleet, policy, imageDirs, storagePool, migrationTransport and hosts' },
);

export type Inventory = z.output<typeof inventorySchema>;
export type FleetPolicy = Inventory['policy'];
export type StoragePool = Inventory['storagePool'];

export class InventoryError extends ValidationError {}

export function parseInventory(raw: unknown): Inventory {
  const result = inventorySchema.safeParse(raw);
  const issues = [...(result.success ? [] : formatIssues(result.error.issues)), ...crossFieldIssues(raw)];
  if (!result.success || issues.length > 0) throw new InventoryError('invalid inventory', issues);
  return result.data;
}

