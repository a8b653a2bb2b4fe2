// Command-line values are validated with zod like every other input of bootshift, and a rejection names the flag
// (`--boot: must be an integer from 1 to 16`), so a script author sees which argument to fix. Exit code 2.
import { z } from 'zod';
import { usageError } from './exit-codes';

/** `bootDelay` -> `--boot-delay`; positional arguments are declared under their upper-case names (`NAME`). */
export function flagName(key: PropertyKey): string {
  const name = String(key);
  return name === name.toUpperCase() ? name : `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.length > 0 ? flagName(i.path[0]!) : 'arguments'}: ${i.message}`);
  throw usageError(lines.join('\n'));
}

export function intFlag(min: number, max: number) {
  const rule = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, { error: rule })
    .transform(Number)
    .pipe(z.number().min(min, { error: rule }).max(max, { error: rule }));
}

export const jsonFlag = z.boolean().default(false);
