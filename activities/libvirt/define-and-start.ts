// defineAndStart for libvirt, idempotent because Temporal retries it: a domain already there with the spec's uuid
// is this VM from an earlier attempt (start it if it is off, else leave it); one with another uuid is someone
// else's, and overwriting it would destroy their definition, so that is a permanent error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Failure } from '../../domain';
import { HypervisorError, type DomainSpec, type DomainState, type HostRef } from '../hypervisor';
import type { SeedImageRequest } from './cloud-init-seed';
import { buildDomainXml } from './domain-xml';
import { toHypervisorError, virshErrorKind } from './virsh';
import { domainStateOrNull, domainUuidOrNull, type Virsh } from './virsh';
import { checkDomainSpec, checkHost } from './validate';

export interface DefineDeps {
  virsh: Virsh;
  buildSeed: (req: SeedImageRequest) => Promise<string>;
  /** Directory for NoCloud seed images; default: the directory of the VM's disk image. */
  seedDir?: string;
}

function conflict(host: HostRef, spec: DomainSpec, uuid: string): HypervisorError {
  return new HypervisorError(
    `a different domain named ${spec.name} (uuid ${uuid}, not ${spec.uuid}) already exists on ${host.name}`,
    Failure.DomainConflict,
    true,
  );
}

// The XML goes through a private temporary file: virsh define reads a file, and argv would show it to `ps`.
async function define(virsh: Virsh, uri: string, xml: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-define-'));
  try {
    const file = path.join(dir, 'domain.xml');
    writeFileSync(file, xml, { mode: 0o600 });
    await virsh(uri, ['define', '--validate', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function defineIfAbsent(deps: DefineDeps, host: HostRef, spec: DomainSpec): Promise<boolean> {
  const existing = await domainUuidOrNull(deps.virsh, host.uri, spec.name);
  if (existing !== null) {
    if (existing !== spec.uuid.toLowerCase()) throw conflict(host, spec, existing);
    return false;
  }
  const image = spec.image;
  let seedImage: string | undefined;
  if (image.kind === 'disk' && image.cloudInit) {
    const output = path.join(deps.seedDir ?? path.dirname(image.disk), `${spec.name}-cidata.img`);
    seedImage = await deps.buildSeed({ seed: image.cloudInit, output });
  }
  try {
    await define(deps.virsh, host.uri, buildDomainXml(spec, { domainType: host.domainType, seedImage }));
    return true;
  } catch (err) {
    // A concurrent attempt may have defined it between our check and our define.
    if (virshErrorKind(err) !== 'name-conflict') throw toHypervisorError(err, `define ${spec.name} on ${host.name}`);
    const now = await domainUuidOrNull(deps.virsh, host.uri, spec.name);
    if (now !== spec.uuid.toLowerCase()) throw conflict(host, spec, now ?? 'unknown');
    return false;
  }
}

async function startIfOff(virsh: Virsh, host: HostRef, name: string): Promise<DomainState> {
  const state = await domainStateOrNull(virsh, host.uri, name);
  if (state === null) {
    throw new HypervisorError(`${name} vanished from ${host.name} while starting it`, Failure.HypervisorUnavailable, false);
  }
  if (state.state !== 'shut off') return state;
  try {
    await virsh(host.uri, ['start', name]);
  } catch (err) {
    if (virshErrorKind(err) !== 'already-active') throw toHypervisorError(err, `start ${name} on ${host.name}`);
  }
  return (await domainStateOrNull(virsh, host.uri, name)) ?? { state: 'no state' };
}

export async function defineAndStart(
  deps: DefineDeps,
  host: HostRef,
  spec: DomainSpec,
): Promise<{ created: boolean; state: DomainState }> {
  checkHost(host);
  checkDomainSpec(spec);
  const created = await defineIfAbsent(deps, host, spec);
  return { created, state: await startIfOff(deps.virsh, host, spec.name) };
}
