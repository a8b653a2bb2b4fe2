// Questions to one host that several operations ask ("is the domain here, in what state, with which uuid?"),
// where "no such domain" is an answer (null) rather than an error, and any other failure is a HypervisorError.
import type { DomainState } from '../hypervisor';
import { toHypervisorError, virshErrorKind } from './errors';
import type { VirshRunner } from './virsh';
import { parseDomState } from './virsh-output';

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
