// Names end up in libvirt domain names, Temporal workflow ids and file paths, so they are validated once, here,
// with one rule everywhere. Workflow ids are derived, never typed by hand, so that a VM maps to exactly one workflow.
import { z } from 'zod';
import { ValidationError, formatIssues, rule } from './issues';

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const nameSchema = z
  .string({ error: rule('must be a string') })
  .regex(NAME_PATTERN, { error: 'must be 1-63 characters of a-z, 0-9 and "-", starting with a letter' });

export const PROJECT_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
export const projectSchema = z
  .string({ error: rule('must be a string') })
  .regex(PROJECT_PATTERN, { error: 'must be 1-100 characters of A-Z, a-z, 0-9, ".", "_" and "-"' });

// Ids chosen by callers (reservation ids, VM ids, workflow ids). They start with a letter or digit, which also
// keeps them from ever being "__proto__" when used as keys of the ledger's plain-JSON records.
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,254}$/;
export const idSchema = z
  .string({ error: rule('must be a string') })
  .regex(ID_PATTERN, { error: 'must be 1-255 characters of A-Z, a-z, 0-9, ".", "_", ":", "/", "@" and "-"' });

export class NameError extends ValidationError {}

function check(what: string, fields: Record<string, [z.ZodType, unknown]>): void {
  const issues = Object.entries(fields).flatMap(([field, [schema, value]]) => {
    const result = schema.safeParse(value);
    return result.success ? [] : formatIssues(result.error.issues.map((i) => ({ ...i, path: [field, ...i.path] })));
  });
  if (issues.length > 0) throw new NameError(what, issues);
}

export function vmWorkflowId(project: string, stack: string, name: string): string {
  check('invalid VM workflow id', {
    project: [projectSchema, project],
    stack: [projectSchema, stack],
    name: [nameSchema, name],
  });
  return `vm/${project}/${stack}/${name}`;
}

export function ledgerWorkflowId(fleet: string): string {
  check('invalid fleet name', { fleet: [nameSchema, fleet] });
  return `fleet/${fleet}`;
}
