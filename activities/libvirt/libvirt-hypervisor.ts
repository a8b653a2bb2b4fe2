// The Hypervisor port for real hosts: every operation is a few virsh calls (see virsh.ts) whose errors are sorted
// into permanent and transient ones (errors.ts). Operations are idempotent, so Temporal may retry any of them.
import type { HostRef, Hypervisor } from '../hypervisor';
import { buildSeedImage, type SeedImageRequest } from './cloud-init-seed';
import { defineAndStart } from './define-and-start';
import { parseDomainXml } from './domain-xml';
import { toHypervisorError, virshErrorKind } from './virsh';
import { migrate } from './migrate';
import { boundVirsh, domainStateOrNull, query, queryOrNull, type Virsh } from './virsh';
import { checkDomainName, checkHost } from './validate';
import { execVirsh, type VirshRunner } from './virsh';
import { parseNodeInfo } from './virsh-output';

export interface LibvirtHypervisorOptions {
  /** Runs virsh; default: execFile of `virsh` (tests inject a scripted one). */
  virsh?: VirshRunner;
  /** Deadline of each ordinary virsh call (default 120 s: starting a guest on a loaded host takes a while). */
  timeoutMs?: number;
  /** Deadline of one live migration, after which its job is aborted (default 30 min). */
  migrationTimeoutMs?: number;
  /** How often migration progress is polled (default 1 s). */
  pollIntervalMs?: number;
  /** Bandwidth cap of each live migration in MiB/s (default: libvirt's, unlimited). */
  migrationBandwidthMiBps?: number;
  /** Where NoCloud seed images go; default: next to the VM's disk image. */
  seedDir?: string;
  buildSeed?: (req: SeedImageRequest) => Promise<string>;
}

// Extra flags `virsh undefine` wants when a domain carries state beyond its definition.
const UNDEFINE_EXTRAS: [RegExp, string][] = [
  [/managed ?save/i, '--managed-save'],
  [/nvram/i, '--nvram'],
  [/snapshot/i, '--snapshots-metadata'],
];

async function undefine(virsh: Virsh, host: HostRef, name: string, extra: string[] = []): Promise<void> {
  try {
    await virsh(host.uri, ['undefine', name, ...extra]);
  } catch (err) {
    if (virshErrorKind(err) === 'not-found') return; // a transient domain goes away with destroy
    const stderr = (err as { stderr?: string }).stderr ?? '';
    const wanted = UNDEFINE_EXTRAS.filter(([pattern, flag]) => pattern.test(stderr) && !extra.includes(flag));
    const more = wanted.map(([, flag]) => flag);
    if (more.length === 0) throw toHypervisorError(err, `undefine ${name} on ${host.name}`);
    await undefine(virsh, host, name, [...extra, ...more]);
  }
}

async function destroy(virsh: Virsh, host: HostRef, name: string): Promise<{ existed: boolean }> {
  checkHost(host);
  checkDomainName(name);
  try {
    await virsh(host.uri, ['destroy', name]);
  } catch (err) {
    const kind = virshErrorKind(err);
    if (kind === 'not-found') return { existed: false };
    if (kind !== 'not-running') throw toHypervisorError(err, `destroy ${name} on ${host.name}`);
  }
  await undefine(virsh, host, name);
  return { existed: true };
}

type ListedDomain = Awaited<ReturnType<Hypervisor['listDomains']>>[number];

// A domain may vanish between the listing and the questions about it (migrated away, destroyed): it is skipped.
async function describe(virsh: Virsh, host: HostRef, name: string): Promise<ListedDomain | null> {
  const state = await domainStateOrNull(virsh, host.uri, name);
  const xml = state && (await queryOrNull(virsh, host.uri, ['dumpxml', name]));
  if (!state || !xml) return null;
  const { metadata, vcpus, memoryMiB } = parseDomainXml(xml);
  return { name, state, vcpus, memoryMiB, ...(metadata && { metadata }) };
}

async function listDomains(virsh: Virsh, host: HostRef): Promise<ListedDomain[]> {
  checkHost(host);
  const names = (await query(virsh, host.uri, ['list', '--all', '--name'])).split('\n').map((line) => line.trim());
  const found: ListedDomain[] = [];
  for (const name of names.filter(Boolean)) {
    const domain = await describe(virsh, host, name);
    if (domain) found.push(domain);
  }
  return found;
}

export function createLibvirtHypervisor(options: LibvirtHypervisorOptions = {}): Hypervisor {
  const virsh = boundVirsh(options.virsh ?? execVirsh(), options.timeoutMs ?? 120_000);
  const define = { virsh, buildSeed: options.buildSeed ?? buildSeedImage, seedDir: options.seedDir };
  const migration = {
    virsh,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    migrationTimeoutMs: options.migrationTimeoutMs ?? 30 * 60_000,
    ...(options.migrationBandwidthMiBps && { bandwidthMiBps: options.migrationBandwidthMiBps }),
  };
  return {
    defineAndStart: (host, spec) => defineAndStart(define, host, spec),
    migrate: (request) => migrate(migration, request),
    destroy: (host, name) => destroy(virsh, host, name),
    domainState: async (host, name) => domainStateOrNull(virsh, checkHost(host).uri, checkDomainName(name)),
    listDomains: (host) => listDomains(virsh, host),
    hostFacts: async (host) => parseNodeInfo(await query(virsh, checkHost(host).uri, ['nodeinfo'])),
  };
}
