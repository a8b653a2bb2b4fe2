// defineAndStart for libvirt, idempotent because Temporal retries it: a domain already there with the spec's uuid
// is this VM from an earlier attempt (start it if it is off, else leave it); one with another uuid is someone
// else's, and overwriting it would destroy their definition, so that is a permanent error.
import { Failure } from '../../domain';
import { HypervisorError, type DomainSpec, type DomainState, type HostRef } from '../hypervisor';
import { buildDomainXml } from './domain-xml';
import { domainStateOrNull, domainUuidOrNull, toHypervisorError, virshErrorKind, withXmlFile, type Virsh } from './virsh';
import { checkDomainSpec, checkHost } from './validate';

export interface DefineDeps {
  virsh: Virsh;
}

function conflict(host: HostRef, spec: DomainSpec, uuid: string): HypervisorError {
  return new HypervisorError(
    `a different domain named ${spec.name} (uuid ${uuid}, not ${spec.uuid}) already exists on ${host.name}`,
    Failure.DomainConflict,
    true,
  );
}

async function define(virsh: Virsh, uri: string, xml: string): Promise<void> {
  await withXmlFile(xml, (file) => virsh(uri, ['define', '--validate', file]));
}

async function defineIfAbsent(deps: DefineDeps, host: HostRef, spec: DomainSpec): Promise<boolean> {
  const existing = await domainUuidOrNull(deps.virsh, host.uri, spec.name);
  if (existing !== null) {
    if (existing !== spec.uuid.toLowerCase()) throw conflict(host, spec, existing);
    return false;
  }
  try {
    await define(deps.virsh, host.uri, buildDomainXml(spec, { domainType: host.domainType }));
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
