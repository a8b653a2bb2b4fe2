// The Hypervisor port for real hosts: every operation is a few virsh calls (see virsh.ts) whose errors are sorted
// into permanent and transient ones. Domains here, storage in storage.ts, migration in migrate.ts. Operations are
// idempotent, so Temporal may retry any of them.
import { Failure, ownershipOf, type DomainOwner } from '../../domain';
import { HypervisorError, type HostRef, type Hypervisor } from '../hypervisor';
import { defineAndStart } from './define-and-start';
import { parseDomainXml } from './domain-xml';
import { migrate } from './migrate';
import * as storage from './storage';
import { checkDomainName, checkHost } from './validate';
import {
  boundVirsh,
  domainStateOrNull,
  execVirsh,
  query,
  queryOrNull,
  toHypervisorError,
  virshErrorKind,
  type Virsh,
  type VirshRunner,
} from './virsh';
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
  /** Deadline of one volume upload or download (default 30 min: a base image is hundreds of MB). */
  transferTimeoutMs?: number;
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

async function destroy(virsh: Virsh, host: HostRef, name: string, owner?: DomainOwner): Promise<{ existed: boolean; anotherRun?: true }> {
  checkHost(host);
  checkDomainName(name);
  if (owner !== undefined) {
    const xml = await queryOrNull(virsh, host.uri, ['dumpxml', name]);
    if (xml === null) return { existed: false };
    const metadata = parseDomainXml(xml).metadata;
    const ownership = ownershipOf(metadata, owner);
    if (ownership === 'another-run') return { existed: false, anotherRun: true };
    if (ownership === 'another-vm') {
      throw new HypervisorError(`domain ${name} on ${host.name} belongs to ${metadata?.vmId ?? 'no bootshift VM'}, not ${owner.vmId}: left alone`, Failure.DomainConflict, true);
    }
  }
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

// Ejecting the seed's media needs nothing of the guest. Asked again after an ejection, libvirt says the drive is empty.
async function ejectMedia(virsh: Virsh, host: HostRef, domain: string, device: string): Promise<{ ejected: boolean }> {
  checkHost(host);
  checkDomainName(domain);
  const before = await query(virsh, host.uri, ['domblklist', domain, '--details']);
  const row = before.split('\n').map((line) => line.trim().split(/\s+/)).find((cols) => cols[2] === device);
  if (!row) throw new HypervisorError(`${domain} on ${host.name} has no device ${device}`, Failure.DomainRejected, true);
  if (row[3] === '-' || row[3] === undefined) return { ejected: false };
  await query(virsh, host.uri, ['change-media', domain, device, '--eject', '--live', '--config']);
  return { ejected: true };
}

async function agentCommand(virsh: Virsh, host: HostRef, domain: string, command: object): Promise<unknown> {
  checkHost(host);
  checkDomainName(domain);
  // One argv element of JSON: no shell sees it. The agent's own deadline is shorter than virsh's.
  const out = await query(virsh, host.uri, ['qemu-agent-command', domain, JSON.stringify(command), '--timeout', '10']);
  return (JSON.parse(out) as { return?: unknown }).return;
}

export function createLibvirtHypervisor(options: LibvirtHypervisorOptions = {}): Hypervisor {
  const virsh = boundVirsh(options.virsh ?? execVirsh(), options.timeoutMs ?? 120_000);
  const transferMs = options.transferTimeoutMs ?? 30 * 60_000;
  const define = { virsh };
  const migration = {
    virsh,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    migrationTimeoutMs: options.migrationTimeoutMs ?? 30 * 60_000,
    ...(options.migrationBandwidthMiBps && { bandwidthMiBps: options.migrationBandwidthMiBps }),
  };
  return {
    defineAndStart: (host, spec) => defineAndStart(define, host, spec),
    migrate: (request) => migrate(migration, request),
    destroy: (host, name, owner) => destroy(virsh, host, name, owner),
    domainState: async (host, name) => domainStateOrNull(virsh, checkHost(host).uri, checkDomainName(name)),
    listDomains: (host) => listDomains(virsh, host),
    hostFacts: async (host) => parseNodeInfo(await query(virsh, checkHost(host).uri, ['nodeinfo'])),
    ensurePool: (host, pool) => storage.ensurePool(virsh, host, pool),
    volumeInfo: (host, pool, name) => storage.volumeInfo(virsh, host, pool, name),
    listVolumes: (host, pool) => storage.listVolumes(virsh, host, pool),
    createVolume: (host, pool, spec) => storage.createVolume(virsh, host, pool, spec),
    deleteVolume: (host, pool, name) => storage.deleteVolume(virsh, host, pool, name),
    uploadVolume: (host, pool, name, file) => storage.uploadVolume(virsh, host, pool, name, file, transferMs),
    downloadVolume: (host, pool, name, file) => storage.downloadVolume(virsh, host, pool, name, file, transferMs),
    ejectMedia: (host, domain, device) => ejectMedia(virsh, host, domain, device),
    agentCommand: (host, domain, command) => agentCommand(virsh, host, domain, command),
  };
}
