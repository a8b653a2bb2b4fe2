// virsh reports everything as text on stderr. Workflows need to know whether retrying can help, so libvirt's
// messages are sorted here, once, into a few kinds: permanent ones (bad XML, bad URI, name clashes, missing image
// files) fail the workflow step for good, transient ones (connection trouble, lock timeouts, job failures) are retried.
import { Failure } from '../../domain';
import { HypervisorError } from '../hypervisor';
import { VirshFailure } from './virsh';

/** Type of transient errors that have no better name: the host or its daemon did not answer as it should. */
export const HYPERVISOR_UNAVAILABLE = 'HypervisorUnavailable';

export type VirshErrorKind =
  | 'not-found'
  | 'not-running'
  | 'already-active'
  | 'no-job'
  | 'name-conflict'
  | 'invalid-config'
  | 'invalid-uri'
  | 'lock-timeout'
  | 'aborted'
  | 'unavailable'
  | 'unknown';

interface Rule {
  kind: VirshErrorKind;
  permanent: boolean;
  phrases: RegExp[];
}

// Order matters: the first match wins (e.g. a refused connection also says "failed to connect to the hypervisor").
const RULES: Rule[] = [
  {
    kind: 'not-found',
    permanent: true,
    phrases: [/failed to get domain/i, /Domain not found/i, /no domain with matching (name|uuid)/i],
  },
  { kind: 'not-running', permanent: false, phrases: [/domain is not running/i] },
  { kind: 'already-active', permanent: false, phrases: [/domain is already (active|running)/i] },
  { kind: 'no-job', permanent: false, phrases: [/no job is active on the domain/i] },
  {
    kind: 'name-conflict',
    permanent: true,
    phrases: [/already exists with uuid/i, /is already defined with uuid/i, /already exists with (the )?same name/i],
  },
  { kind: 'lock-timeout', permanent: false, phrases: [/cannot acquire state change lock/i] },
  { kind: 'aborted', permanent: false, phrases: [/operation aborted/i, /cancell?ed by client/i] },
  {
    kind: 'invalid-uri',
    permanent: true,
    phrases: [
      /no connection driver available/i,
      /unexpected \w+ URI path/i,
      /unsupported URI/i,
      /(could not|unable to) parse URI/i,
    ],
  },
  {
    kind: 'invalid-config',
    permanent: true,
    phrases: [
      /XML error/i,
      /failed to validate against schema/i,
      /Premature end of data/i,
      /\(domain_definition\)/i,
      /Invalid value for/i,
      /unsupported configuration/i,
      /invalid argument/i,
      /could not (open|load) (kernel|initrd)/i,
      /Cannot access storage file/i,
    ],
  },
  {
    kind: 'unavailable',
    permanent: false,
    phrases: [
      /Failed to connect socket/i,
      /Connection (refused|reset)/i,
      /End of file while reading/i,
      /Cannot (recv|write) data/i,
      /Broken pipe/i,
      /failed to connect to the hypervisor/i,
      /Timed out during operation/i,
      /keepalive timeout/i,
      /unexpectedly closed/i,
    ],
  },
];

export function classifyVirshError(stderr: string): { kind: VirshErrorKind; permanent: boolean } {
  const rule = RULES.find((r) => r.phrases.some((phrase) => phrase.test(stderr)));
  return rule ? { kind: rule.kind, permanent: rule.permanent } : { kind: 'unknown', permanent: false };
}

export function virshErrorKind(err: unknown): VirshErrorKind | undefined {
  if (!(err instanceof VirshFailure)) return undefined;
  return err.timedOut ? 'unavailable' : classifyVirshError(err.stderr).kind;
}

const PERMANENT_TYPES: Partial<Record<VirshErrorKind, string>> = {
  'not-found': Failure.DomainNotFound,
  'name-conflict': Failure.InvalidDomainXml,
  'invalid-config': Failure.InvalidDomainXml,
  'invalid-uri': Failure.UnknownHost,
};

/**
 * The HypervisorError for a failed virsh call. `transientType` names what failed when retrying may help (e.g.
 * MigrationFailed during a migration); HypervisorError and non-virsh errors pass through unchanged.
 */
export function toHypervisorError(err: unknown, what: string, transientType = HYPERVISOR_UNAVAILABLE): Error {
  if (err instanceof HypervisorError || !(err instanceof VirshFailure)) return err as Error;
  const { kind, permanent } = err.timedOut
    ? { kind: 'unavailable' as const, permanent: false }
    : classifyVirshError(err.stderr);
  const type = (permanent && PERMANENT_TYPES[kind]) || transientType;
  return new HypervisorError(`${what}: ${err.timedOut ? 'virsh timed out' : err.stderr.trim()}`, type, permanent);
}
