// Hosts in the ledger: how a row becomes the domain's HostRecord (so placement decides with the same pure picks the
// rest of bootshift uses), the bounded candidate reads, and the claim: one conditional UPDATE of one host row that
// re-checks the policy, so two claimers can never overcommit a host whatever they read before. Candidates are read
// FOR UPDATE SKIP LOCKED: concurrent claimers each get hosts nobody else is deciding on, instead of queueing on the
// best one; when every fitting host is locked, the claimer waits for the best one to be free.
import { sql, type Expression, type SqlBool } from 'kysely';
import {
  pickBootHost,
  pickSettleHost,
  vcpuCapacity,
  vmCapacity,
  type FleetPolicy,
  type HostConfig,
  type HostRecord,
  type Pool,
} from '../domain';
import type { LedgerTx } from './database';
import type { HostRow } from './schema';

/** What a claim takes from a host. */
export interface Claim {
  vcpus: number;
  memoryMiB: number;
  antiAffinityGroup?: string | null;
}

export function hostRecordOf(row: HostRow): HostRecord {
  return {
    ...row.config,
    state: row.state,
    usage: { vms: row.vms, vcpus: row.vcpus, memoryMiB: row.memory_used_mib, groups: row.groups },
  };
}

/** The capacity columns a host row carries, from the domain's policy (recomputed on every resync). */
export function capacitiesOf(host: HostConfig, policy: FleetPolicy): { vm_capacity: number | null; vcpu_capacity: number | null } {
  const record: HostRecord = { ...host, usage: { vms: 0, vcpus: 0, memoryMiB: 0, groups: {} } };
  return { vm_capacity: vmCapacity(record), vcpu_capacity: vcpuCapacity(record, policy) };
}

/** The placement policy as SQL, for one host row and one claim: the same rule as domain/placement.ts's fits. */
function fitsSql(claim: Claim): Expression<SqlBool> {
  const group = claim.antiAffinityGroup ?? null;
  return sql<SqlBool>`state = 'active'
    AND (vm_capacity IS NULL OR vms < vm_capacity)
    AND (vcpu_capacity IS NULL OR vcpus + ${claim.vcpus} <= vcpu_capacity)
    AND memory_used_mib + ${claim.memoryMiB} <= memory_mib
    AND (${group}::text IS NULL OR groups -> ${group}::text IS NULL)`;
}

/** In the order of the partial indexes (migrations.ts), which is the order the domain's picks prefer. */
const ORDER: Record<Pool, ReturnType<typeof sql>> = {
  boot: sql`(cpus - vcpus) DESC, (memory_mib - memory_used_mib) DESC, name`,
  settle: sql`(vcpu_capacity - vcpus), (memory_mib - memory_used_mib), name`,
};

async function candidates(
  tx: LedgerTx,
  fleet: string,
  pool: Pool,
  claim: Claim,
  opts: { limit: number; skipLocked: boolean; exclude?: readonly string[] },
): Promise<HostRow[]> {
  const exclude = opts.exclude ?? [];
  const { rows } = await sql<HostRow>`
    SELECT * FROM hosts
    WHERE fleet = ${fleet} AND pool = ${pool} AND state = 'active' AND ${fitsSql(claim)}
      AND NOT (name = ANY(${exclude}::text[]))
    ORDER BY ${ORDER[pool]}
    LIMIT ${opts.limit}
    FOR UPDATE ${opts.skipLocked ? sql`SKIP LOCKED` : sql``}`.execute(tx);
  return rows;
}

/**
 * Picks (with the domain's pure pick) and claims a host of the pool for the claim, or undefined when no host fits.
 * `limit` bounds the candidates read per try; `exclude` names hosts not to use (a settle host a migration failed on).
 */
export async function claimHost(
  tx: LedgerTx,
  fleet: string,
  policy: FleetPolicy,
  pool: Pool,
  claim: Claim,
  opts: { limit: number; exclude?: readonly string[] },
): Promise<string | undefined> {
  const request = { vcpus: claim.vcpus, memoryMiB: claim.memoryMiB, ...(claim.antiAffinityGroup && { antiAffinityGroup: claim.antiAffinityGroup }) };
  // First the hosts nobody else holds; if every fitting host is held, wait for the best one (its claimer may take it,
  // and the row is then re-checked against the policy before it is returned).
  for (const skipLocked of [true, false]) {
    const rows = await candidates(tx, fleet, pool, claim, { limit: skipLocked ? opts.limit : 1, skipLocked, ...(opts.exclude && { exclude: opts.exclude }) });
    const records = rows.map(hostRecordOf);
    const host =
      pool === 'boot' ? pickBootHost(records, policy, request) : pickSettleHost(records, policy, { ...request, exclude: opts.exclude ?? [] });
    if (host !== undefined && (await addUsage(tx, fleet, host, claim))) return host;
  }
  return undefined;
}

/** Takes the claim from the host if it still fits (the conditional UPDATE that makes overcommitting impossible). */
export async function addUsage(tx: LedgerTx, fleet: string, host: string, claim: Claim): Promise<boolean> {
  const group = claim.antiAffinityGroup ?? null;
  const { rows } = await sql<{ name: string }>`
    UPDATE hosts SET
      vms = vms + 1,
      vcpus = vcpus + ${claim.vcpus},
      memory_used_mib = memory_used_mib + ${claim.memoryMiB},
      groups = CASE WHEN ${group}::text IS NULL THEN groups
               ELSE jsonb_set(groups, ARRAY[${group}::text], to_jsonb(COALESCE((groups ->> ${group}::text)::int, 0) + 1)) END
    WHERE fleet = ${fleet} AND name = ${host} AND ${fitsSql(claim)}
    RETURNING name`.execute(tx);
  return rows.length === 1;
}

/** Gives the claim back to the host (a host removed from the inventory since is simply gone). */
export async function removeUsage(tx: LedgerTx, fleet: string, host: string, claim: Claim): Promise<void> {
  const group = claim.antiAffinityGroup ?? null;
  await sql`
    UPDATE hosts SET
      vms = vms - 1,
      vcpus = vcpus - ${claim.vcpus},
      memory_used_mib = memory_used_mib - ${claim.memoryMiB},
      groups = CASE WHEN ${group}::text IS NULL THEN groups
               WHEN COALESCE((groups ->> ${group}::text)::int, 0) <= 1 THEN groups - ${group}::text
               ELSE jsonb_set(groups, ARRAY[${group}::text], to_jsonb((groups ->> ${group}::text)::int - 1)) END
    WHERE fleet = ${fleet} AND name = ${host}`.execute(tx);
}

/** Whether any boot host of the fleet, empty and in any state, could ever hold the claim: if none, waiting is pointless. */
export async function anyBootHostCouldHold(tx: LedgerTx, fleet: string, claim: Claim): Promise<boolean> {
  const { rows } = await sql<{ could: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM hosts
      WHERE fleet = ${fleet} AND pool = 'boot' AND memory_mib >= ${claim.memoryMiB}
        AND (vcpu_capacity IS NULL OR vcpu_capacity >= ${claim.vcpus})
    ) AS could`.execute(tx);
  return rows[0]?.could === true;
}
