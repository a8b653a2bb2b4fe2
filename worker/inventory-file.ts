// The fleet inventory lives in a YAML or JSON file that operators edit; activities read host URIs from it, and it is
// re-read whenever it changes on disk, so a resynced inventory reaches running workers without a restart.
import { readFile, stat } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { parse } from 'yaml';
import { Failure, parseInventory, type HostConfig, type Inventory } from '../domain';
import type { InventoryPort } from '../activities/ports';

export async function readInventoryFile(file: string): Promise<Inventory> {
  // YAML is a superset of JSON, so one parser reads both formats.
  return parseInventory(parse(await readFile(file, 'utf8')));
}

/**
 * `test://` is libvirt's mock driver: right for the simulated hypervisor, and a silent fake fleet for the real one,
 * where every VM would "run" nowhere. Only the simulated worker takes it.
 */
export function mockHostsIn(inventory: Inventory): string[] {
  return inventory.hosts.flatMap((h, i) => (h.uri.startsWith('test:') ? [`hosts[${i}].uri: ${h.uri} is libvirt's mock driver, for BOOTSHIFT_HYPERVISOR=simulated only`] : []));
}

export function createInventoryFile(file: string, opts: { simulated?: boolean } = {}): InventoryPort {
  let cached: { mtimeMs: number; inventory: Inventory } | undefined;
  const load = async (fleet: string): Promise<Inventory> => {
    const { mtimeMs } = await stat(file);
    if (!cached || cached.mtimeMs !== mtimeMs) {
      const inventory = await readInventoryFile(file);
      const mock = opts.simulated ? [] : mockHostsIn(inventory);
      if (mock.length > 0) throw ApplicationFailure.nonRetryable(`${file}: ${mock.join('; ')}`, Failure.InvalidHost);
      cached = { mtimeMs, inventory };
    }
    if (cached.inventory.fleet !== fleet) {
      throw ApplicationFailure.nonRetryable(`unknown fleet "${fleet}": ${file} holds fleet "${cached.inventory.fleet}"`, Failure.UnknownFleet);
    }
    return cached.inventory;
  };
  return {
    load,
    async host(fleet: string, name: string): Promise<HostConfig> {
      const host = (await load(fleet)).hosts.find((h) => h.name === name);
      if (!host) throw ApplicationFailure.nonRetryable(`unknown host "${name}" in fleet "${fleet}"`, Failure.UnknownHost);
      return host;
    },
  };
}
