// The one place bootshift runs virsh: execFile with an argument array (no shell ever sees a name or URI), a timeout
// and an output bound on every call, and the C locale so libvirt's messages can be recognised. virsh reports
// everything as text on stderr; workflows need to know whether retrying can help, so those messages are sorted here,
// once, into a few kinds: permanent ones (bad XML, bad URI, name clashes, missing image files) fail the workflow step
// for good, transient ones (connection trouble, lock timeouts, job failures) are retried. Last, the questions several
// operations ask one host ("is the domain here, in what state, with which uuid?"), where "no such domain" is an
// answer (null) rather than an error.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Failure } from '../../domain';
import { type DomainState, HypervisorError } from '../hypervisor';
import { parseDomState } from './virsh-output';

export interface VirshCall {
  uri: string;
  args: string[];
  timeoutMs?: number;
}

export interface VirshResult {
  stdout: string;
  stderr: string;
}

/** Runs one virsh command; rejects with a VirshFailure. Injectable so the adapter's logic is testable without virsh. */
export type VirshRunner = (call: VirshCall) => Promise<VirshResult>;

export class VirshFailure extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(`virsh ${args.join(' ')}: ${timedOut ? 'timed out' : stderr.trim() || 'failed'}`);
    this.name = 'VirshFailure';
  }
}

export interface VirshOptions {
  binary?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export function execVirsh(opts: VirshOptions = {}): VirshRunner {
  const binary = opts.binary ?? 'virsh';
  return ({ uri, args, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const argv = ['-c', uri, ...args];
      const options = {
        encoding: 'utf8' as const,
        timeout: timeoutMs ?? opts.timeoutMs ?? 120_000,
        maxBuffer: opts.maxOutputBytes ?? 8 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      };
      execFile(binary, argv, options, (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const timedOut = error.killed === true && error.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
        const missing = error.code === 'ENOENT' ? `${binary} not found (install libvirt-clients)` : undefined;
        const detail = stderr.trim() || missing || error.message;
        reject(new VirshFailure(args, detail, timedOut));
      });
    });
}

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
    phrases: [
      /failed to get domain/i,
      /Domain not found/i,
      /no domain with matching (name|uuid)/i,
      /Storage pool not found/i,
      /Storage volume not found/i,
      /no storage (pool|vol) with matching/i,
    ],
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
      /guest agent is not (responding|connected)/i,
      /agent (is not|isn't) (connected|available)/i,
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
  'name-conflict': Failure.DomainConflict,
  'invalid-config': Failure.DomainRejected,
  'invalid-uri': Failure.InvalidHost,
};

/**
 * The HypervisorError for a failed virsh call. `transientType` names what failed when retrying may help (e.g.
 * MigrationFailed during a migration); HypervisorError and non-virsh errors pass through unchanged.
 */
export function toHypervisorError(err: unknown, what: string, transientType: string = Failure.HypervisorUnavailable): Error {
  if (err instanceof HypervisorError || !(err instanceof VirshFailure)) return err as Error;
  const { kind, permanent } = err.timedOut
    ? { kind: 'unavailable' as const, permanent: false }
    : classifyVirshError(err.stderr);
  const type = (permanent && PERMANENT_TYPES[kind]) || transientType;
  return new HypervisorError(`${what}: ${err.timedOut ? 'virsh timed out' : err.stderr.trim()}`, type, permanent);
}

/** virsh bound to the adapter's options: stdout of a successful call, VirshFailure otherwise. */
export type Virsh = (uri: string, args: string[], timeoutMs?: number) => Promise<string>;

export function boundVirsh(runner: VirshRunner, timeoutMs: number): Virsh {
  return async (uri, args, callTimeoutMs) => (await runner({ uri, args, timeoutMs: callTimeoutMs ?? timeoutMs })).stdout;
}

export async function query(virsh: Virsh, uri: string, args: string[]): Promise<string> {
  try {
    return await virsh(uri, args);
  } catch (err) {
    throw toHypervisorError(err, `virsh ${args.join(' ')}`);
  }
}

export async function queryOrNull(virsh: Virsh, uri: string, args: string[]): Promise<string | null> {
  try {
    return await virsh(uri, args);
  } catch (err) {
    if (virshErrorKind(err) === 'not-found') return null;
    throw toHypervisorError(err, `virsh ${args.join(' ')}`);
  }
}

export async function domainStateOrNull(virsh: Virsh, uri: string, name: string): Promise<DomainState | null> {
  const out = await queryOrNull(virsh, uri, ['domstate', '--reason', name]);
  return out === null ? null : parseDomState(out);
}

export async function domainUuidOrNull(virsh: Virsh, uri: string, name: string): Promise<string | null> {
  const out = await queryOrNull(virsh, uri, ['domuuid', name]);
  return out === null ? null : out.trim().toLowerCase();
}

/** virsh reads XML definitions from a file: a private temporary one keeps the XML off argv (and so out of `ps`). */
export async function withXmlFile<T>(xml: string, run: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-xml-'));
  try {
    const file = path.join(dir, 'definition.xml');
    writeFileSync(file, xml, { mode: 0o600 });
    return await run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
