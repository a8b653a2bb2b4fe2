// Rules that span several fields or hosts. zod skips refinements on an object that already has a field error,
// so these run on the raw input, beside the schema, which lets parseInventory report every broken rule at once.
import { issueLine } from './issues';

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
      ...duplicateIssue(uris, index, 'uri', host.uri, 'host uri'),
      ...ratioOnBoot,
    ];
  });
}
