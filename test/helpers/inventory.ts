// Reads an inventory file the way the worker does, for tests that need the hosts' URIs.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseInventory, type HostConfig } from '../../domain';

export function readInventory(file: string): HostConfig[] {
  return parseInventory(parse(readFileSync(file, 'utf8'))).hosts;
}
