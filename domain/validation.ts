// How bootshift reports bad input, and the leaf rules every input shares. Every parser reports problems the same way,
// `a.b[3].c: rule`, and all of them at once, so a user fixing an inventory, a VM spec, a flag or an environment
// variable sees the whole list in one go (CLI, Pulumi `check`, workflow validators, worker config alike).
import { z } from 'zod';

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

/**
 * `where: rule`. `label` renames the first path element for inputs whose fields users know by another name (a CLI
 * flag, an environment variable); the rest of the path is appended as usual.
 */
export function issueLine(path: readonly PropertyKey[], rule: string, label?: (field: PropertyKey) => string): string {
  const [head, ...rest] = path;
  const tail = formatPath(rest);
  const where = label && head !== undefined ? label(head) + (tail === '' || tail.startsWith('[') ? tail : `.${tail}`) : formatPath(path);
  return where === '' ? rule : `${where}: ${rule}`;
}

/** One line per problem, whatever zod's issue shape. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], label?: (field: PropertyKey) => string): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => issueLine([...issue.path, key], 'is not a known field', label));
    }
    // A bad record key carries the key's own rule one level down; the record-level message would hide it.
    if (issue.code === 'invalid_key') return issue.issues.map((inner) => issueLine(issue.path, inner.message, label));
    return [issueLine(issue.path, issue.message, label)];
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

/** The object without its undefined-valued keys (plain JSON for payloads and state files). */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Parses or throws `new ErrorClass(what, lines)` listing every problem. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  what: string,
  ErrorClass: new (what: string, issues: string[]) => ValidationError = ValidationError,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new ErrorClass(what, formatIssues(result.error.issues));
  return result.data;
}

export const intIn = (min: number, max: number) =>
  z
    .int({ error: rule(`must be an integer from ${min} to ${max}`) })
    .min(min, { error: `must be an integer from ${min} to ${max}` })
    .max(max, { error: `must be an integer from ${min} to ${max}` });

export const positiveIntSchema = z
  .int({ error: rule('must be a positive integer') })
  .positive({ error: 'must be a positive integer' });

/** POSIX normalisation without node:path (workflow code imports this): no ".", no "..", no empty segments. */
export function normalizePath(value: string): string {
  const parts: string[] = [];
  for (const part of value.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Whether `file` (normalised) lies inside `dir` (normalised), never equal to it. */
export function isInside(file: string, dir: string): boolean {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return file.startsWith(base) && file.length > base.length;
}

const PATH_CHARS = /^\/[A-Za-z0-9._/+@-]{0,4095}$/;

/**
 * A host path: absolute, of safe characters (it becomes an XML attribute and a libvirt argument), and already in
 * normal form, so that "/images/../dev/sda" or "/..//etc" can never pass a check meant for the path it resembles.
 */
export const absolutePathSchema = z
  .string({ error: rule('must be a string') })
  .regex(PATH_CHARS, { error: 'must be an absolute path of A-Z, a-z, 0-9, "._/+@-"', abort: true })
  .refine((p) => normalizePath(p) === p, {
    error: (issue) => `must be a normalised absolute path (${JSON.stringify(normalizePath(String(issue.input)))}, not ${JSON.stringify(issue.input)})`,
  });
