// Secrets bootshift reads from files (the gateway's HMAC secret, the database URL, the payload keys) must be readable
// by their owner only: whoever else can read one forges boot tokens, reaches the ledger or reads every payload. One
// check for every reader (the worker, the CLI, a Pulumi program), so none of them can skip it or word it differently.
import { readFileSync, statSync } from 'node:fs';

/** What is wrong with a secret file, phrased to follow its name: "/etc/x is readable by others (mode 644); …". */
export class SecretFileProblem extends Error {}

/** The file's text; throws SecretFileProblem if it cannot be read or others may read it. */
export function readOwnerOnlyFile(file: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new SecretFileProblem(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if ((mode & 0o077) !== 0) throw new SecretFileProblem(`${file} is readable by others (mode ${(mode & 0o777).toString(8)}); make it 0600 or 0400`);
  return readFileSync(file, 'utf8');
}
