// Field-level rules for the fleet inventory. They live apart from inventory.ts so the Pulumi provider and the CLI
// can reuse single rules (a libvirt URI, a migration address) without pulling the whole inventory schema.
import { z } from 'zod';
import { rule } from './issues';

export const POOLS = ['boot', 'settle'] as const;
export const HOST_STATES = ['active', 'draining', 'down'] as const;
export const DOMAIN_TYPES = ['qemu', 'kvm'] as const;
export const DEFAULT_CPU_ALLOCATION_RATIO = 4.0;

export const positiveIntSchema = z
  .int({ error: rule('must be a positive integer') })
  .positive({ error: 'must be a positive integer' });

// The URI is handed to virsh as one argv element; the character set still excludes whitespace and shell
// metacharacters (including "&", so only one query parameter fits) as a second line of defence.
export const LIBVIRT_URI_PATTERN =
  /^(qemu\+unix|qemu\+ssh|qemu\+tls|qemu\+tcp|qemu|test):\/\/[A-Za-z0-9._~%@:[\]-]*\/[A-Za-z0-9._~%/+-]*(\?[A-Za-z0-9._~%/+=,-]*)?$/;
export const libvirtUriSchema = z
  .string({ error: rule('must be a string') })
  .max(1024, { error: 'must be at most 1024 characters' })
  .regex(LIBVIRT_URI_PATTERN, {
    error: 'must be a libvirt URI (qemu+unix, qemu+ssh, qemu+tls, qemu+tcp, qemu or test scheme) without spaces or shell metacharacters',
  });

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

export type Pool = (typeof POOLS)[number];
export type HostState = (typeof HOST_STATES)[number];
export type DomainType = (typeof DOMAIN_TYPES)[number];
