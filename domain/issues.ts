// Every parser in domain/ reports problems the same way, `a.b[3].c: rule`, and all of them at once, so a user
// fixing an inventory or a VM spec sees the whole list in one go (CLI, Pulumi `check`, workflow validators alike).
import type { z } from 'zod';

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && !PLAIN_KEY.test(key)) out += `[${JSON.stringify(key)}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function issueLine(path: readonly PropertyKey[], rule: string): string {
  const where = formatPath(path);
  return where === '' ? rule : `${where}: ${rule}`;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => issueLine([...issue.path, key], 'is not a known field'));
    }
    // A bad record key carries the key's own rule one level down; the record-level message would hide it.
    if (issue.code === 'invalid_key') return issue.issues.map((inner) => issueLine(issue.path, inner.message));
    return [issueLine(issue.path, issue.message)];
  });
}

// Schema-level error messages: a missing field reads "is required", anything else reads the rule.
export function rule(message: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? 'is required' : message);
}

export class ValidationError extends Error {
  constructor(
    what: string,
    readonly issues: string[],
  ) {
    super(`${what}:\n  ${issues.join('\n  ')}`);
    this.name = new.target.name;
  }
}
