// The fleet inventory: which libvirt hosts exist, in which pool, with how much CPU and memory. Callers parse the
// YAML/JSON file themselves and hand the result here; everything after this point can trust the shape.
import { z } from 'zod';
import { ValidationError, formatIssues, rule } from './issues';
import { nameSchema } from './names';
import { crossFieldIssues } from './inventory-rules';
import {
  DEFAULT_CPU_ALLOCATION_RATIO,
  cpuAllocationRatioSchema,
  domainTypeSchema,
  hostStateSchema,
  labelsSchema,
  libvirtUriSchema,
  migrationAddressSchema,
  poolSchema,
  positiveIntSchema,
  type DomainType,
  type HostState,
  type Pool,
} from './inventory-fields';

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

export const inventorySchema = z.strictObject(
  {
    fleet: nameSchema,
    policy: policySchema.default(() => ({ bootVcpusWithinCpus: true })),
    hosts: z.array(hostSchema, { error: rule('must be a list of hosts') }).min(1, { error: 'must list at least one host' }),
  },
  { error: 'must be an object with fleet, policy and hosts' },
);

export type Inventory = z.output<typeof inventorySchema>;
export type FleetPolicy = Inventory['policy'];

export class InventoryError extends ValidationError {}

export function parseInventory(raw: unknown): Inventory {
  const result = inventorySchema.safeParse(raw);
  const issues = [...(result.success ? [] : formatIssues(result.error.issues)), ...crossFieldIssues(raw)];
  if (!result.success || issues.length > 0) throw new InventoryError('invalid inventory', issues);
  return result.data;
}
