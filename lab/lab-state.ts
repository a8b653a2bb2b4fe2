// The lab's record of what it started, kept in its directory, so `lab down`, a later `lab up` on the same
// directory or a test's teardown can stop exactly those processes, even after the starting process crashed.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const labHostSchema = z.strictObject({
  name: z.string(),
  pool: z.enum(['boot', 'settle']),
  dir: z.string(),
  uri: z.string(),
  pid: z.int().positive().optional(),
});

const labStateSchema = z.strictObject({ version: z.literal(1), hosts: z.array(labHostSchema) });

export type LabStateHost = z.infer<typeof labHostSchema>;
export type LabState = z.infer<typeof labStateSchema>;

export function labStatePath(dir: string): string {
  return path.join(dir, 'lab.json');
}

export function readLabState(dir: string): LabState | undefined {
  const file = labStatePath(dir);
  if (!existsSync(file)) return undefined;
  const parsed = labStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a lab state file: ${parsed.error.message}`);
  return parsed.data;
}

export function writeLabState(dir: string, state: LabState): void {
  const file = labStatePath(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
