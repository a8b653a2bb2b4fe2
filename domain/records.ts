// Ledger state is plain JSON (it crosses continue-as-new), so its maps are objects keyed by caller-chosen ids.
// Reading them through hasOwn keeps an id such as "constructor" from resolving to Object.prototype members.
import type { HostRecord, LedgerState } from './ledger-types';

export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

export function findHost(state: Readonly<LedgerState>, name: string): HostRecord | undefined {
  const index = getOwn(state.hostIndex, name);
  return index === undefined ? undefined : state.hosts[index];
}

export function setHosts(state: LedgerState, hosts: HostRecord[]): void {
  state.hosts = hosts;
  state.hostIndex = {};
  hosts.forEach((host, index) => {
    state.hostIndex[host.name] = index;
  });
}
