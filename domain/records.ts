// Ledger state is plain JSON (it crosses continue-as-new), so its maps are objects keyed by caller-chosen ids.
// Reading them through hasOwn keeps an id such as "constructor" from resolving to Object.prototype members.
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
