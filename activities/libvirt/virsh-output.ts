// virsh prints state, node facts and job progress as human-readable text; these parsers turn it into the port's
// types. They are strict about what they need and ignore everything else, since virsh adds fields over time.
import type { DomainState, MigrationProgress } from '../hypervisor';

// virsh's own spelling of each state (virshDomainStateToString) mapped to the port's.
const STATES: Record<string, DomainState['state']> = {
  running: 'running',
  idle: 'blocked',
  blocked: 'blocked',
  paused: 'paused',
  'in shutdown': 'shutdown',
  shutdown: 'shutdown',
  'shut off': 'shut off',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
  'no state': 'no state',
};

/** `virsh domstate --reason` output, e.g. "running (migrated)". */
export function parseDomState(text: string): DomainState {
  const match = /^\s*([a-z ]+?)\s*(?:\(([^)]*)\))?\s*$/.exec(text.trim().split('\n')[0] ?? '');
  const state = match?.[1] !== undefined ? STATES[match[1]] : undefined;
  if (!state) throw new Error(`unexpected virsh domstate output: ${JSON.stringify(text.slice(0, 200))}`);
  return match?.[2] ? { state, reason: match[2] } : { state };
}

/** "Key:   value" lines, as nodeinfo, dominfo and domjobinfo print them. */
export function parseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return fields;
}

const UNIT_MIB: Record<string, number> = { B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024, TiB: 1048576 };

/** "24.605 MiB" or "12675288 KiB" -> MiB; undefined when absent or unreadable. */
export function toMiB(value: string | undefined): number | undefined {
  const match = /^([\d.]+)\s*(B|KiB|MiB|GiB|TiB)$/.exec(value ?? '');
  const factor = match?.[2] !== undefined ? UNIT_MIB[match[2]] : undefined;
  return match?.[1] !== undefined && factor !== undefined ? Number(match[1]) * factor : undefined;
}

export function parseNodeInfo(text: string): { cpus: number; memoryMiB: number } {
  const fields = parseFields(text);
  const cpus = Number(fields.get('CPU(s)'));
  const memoryMiB = toMiB(fields.get('Memory size'));
  if (!Number.isInteger(cpus) || cpus < 1 || memoryMiB === undefined) {
    throw new Error(`unexpected virsh nodeinfo output: ${JSON.stringify(text.slice(0, 300))}`);
  }
  return { cpus, memoryMiB: Math.floor(memoryMiB) };
}

/**
 * Progress of a running migration job from `virsh domjobinfo`, or undefined while the job has no figures yet.
 * "Data" counts everything the job moves (the disk copy, which comes first, then memory); "File" is the disk alone
 * (virsh's name for it); "Memory" the RAM alone, which older jobs report without a Data line. Percent is
 * (total - remaining) / total, as virsh --verbose computes it: "processed" leaves out zero pages, which are skipped
 * rather than sent, so processed/total stays far below 100 even for a finished migration.
 */
export function parseJobProgress(text: string, elapsedMs: number): MigrationProgress | undefined {
  const fields = parseFields(text);
  const pick = (what: string): number | undefined => {
    const data = toMiB(fields.get(`Data ${what}`));
    return data !== undefined && data > 0 ? data : toMiB(fields.get(`Memory ${what}`));
  };
  const total = pick('total');
  const remaining = pick('remaining');
  const processed = pick('processed');
  if (total === undefined || total <= 0 || (remaining === undefined && processed === undefined)) return undefined;
  const done = remaining !== undefined ? total - remaining : (processed as number);
  const percent = Math.min(100, Math.max(0, (done / total) * 100));
  const diskTotal = toMiB(fields.get('File total'));
  const diskProcessed = toMiB(fields.get('File processed'));
  return {
    percent: Math.round(percent * 10) / 10,
    ...(processed !== undefined && { dataProcessedMiB: processed }),
    ...(remaining !== undefined && { dataRemainingMiB: remaining }),
    ...(diskTotal !== undefined && diskTotal > 0 && { diskTotalMiB: diskTotal, diskProcessedMiB: diskProcessed ?? 0 }),
    elapsedMs,
  };
}
