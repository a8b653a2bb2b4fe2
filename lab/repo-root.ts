// The bootshift checkout this code runs from, whether it runs as TypeScript (tests) or compiled under lib/, so
// launchers can find the non-TypeScript files that ship beside the code (scripts, the example project).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'bootshift') {
      return (cached = dir);
    }
  }
  throw new Error(`cannot find the bootshift package root above ${__dirname}`);
}
