// Hosts with `storage: shared` see one pool: a volume deleted through one host's libvirt is gone for all of them. After
// a failed migration, provisionVm (workflows/settle.ts) cleans the target with destroyVm while the VM keeps running
// on its boot host; on shared storage that target's pool is the VM's own. The simulated hypervisor keeps one pool per
// host, so the shared pool is modelled here by sending every storage call of a shared host to one host's pool.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { HostRef, Hypervisor } from '../../../activities/hypervisor';
import type { DestroyVmResult, InventoryPort } from '../../../activities/ports';
import { createSimulatedHypervisor } from '../../../activities/simulated-hypervisor';
import { createVmActivities } from '../../../activities/vm-activities';
import { domainNameFor, overlayVolumeOf, parseInventory } from '../../../domain';
import { GiB } from '../../helpers/images';

const STORAGE_OPS = new Set<string>(['ensurePool', 'volumeInfo', 'listVolumes', 'createVolume', 'deleteVolume', 'uploadVolume', 'downloadVolume']);

/** Every storage call on any of the hosts goes to `pool`'s host: one pool, seen by all of them. */
function sharedPool(hv: Hypervisor, owner: HostRef): Hypervisor {
  return new Proxy(hv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (!STORAGE_OPS.has(String(prop))) return (value as (...a: unknown[]) => unknown).bind(target);
      return (_host: HostRef, ...rest: unknown[]) => (value as (...a: unknown[]) => unknown).call(target, owner, ...rest);
    },
  });
}

test("cleaning the target of a failed migration between hosts that share storage keeps the VM's disk (it still runs on it)", async () => {
  const inventory = parseInventory({
    fleet: 'shared',
    storagePool: { name: 'bootshift', path: '/srv/nfs/bootshift' },
    hosts: [
      { name: 'boot-1', uri: 'test:///shared/boot-1', cpus: 2, memoryMiB: 4096, pool: 'boot', storage: 'shared' },
      { name: 'settle-1', uri: 'test:///shared/settle-1', cpus: 2, memoryMiB: 4096, pool: 'settle', storage: 'shared' },
    ],
  });
  const [boot, settle] = inventory.hosts.map((h): HostRef => ({ name: h.name, uri: h.uri })) as [HostRef, HostRef];
  const sim = createSimulatedHypervisor({ hosts: [boot, settle] });
  const hypervisor = sharedPool(sim, boot);
  const port: InventoryPort = { load: async () => inventory, host: async (_f, name) => inventory.hosts.find((h) => h.name === name)! };
  const activities = createVmActivities({ hypervisor, inventory: port, bootCallback: { url: () => 'http://127.0.0.1:9/', token: () => 't' }, workflows: {} as never });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

  // The VM runs on boot-1 from its disk in the shared pool (set up as defineAndStartVm leaves it, minus the seed).
  const pool = inventory.storagePool;
  const vmId = `vm/test/${randomUUID().slice(0, 8)}/db`;
  const domainName = domainNameFor(vmId);
  await hypervisor.createVolume(boot, pool, { name: 'base-0123456789abcdef.qcow2', capacityBytes: GiB, format: 'qcow2' });
  await hypervisor.createVolume(boot, pool, { name: overlayVolumeOf(domainName), capacityBytes: 4 * GiB, format: 'qcow2', backingVolume: 'base-0123456789abcdef.qcow2' });
  const disk = `${pool.path}/${overlayVolumeOf(domainName)}`;
  await hypervisor.defineAndStart(boot, { name: domainName, uuid: randomUUID(), vcpus: 1, memoryMiB: 128, image: { kind: 'disk', disk } });

  // The migration to settle-1 failed; the VM runs on boot-1. settle.ts then destroys whatever reached settle-1.
  const cleaned = (await env.run(activities.destroyVm, { fleet: 'shared', host: settle.name, domainName, vmId })) as DestroyVmResult;
  expect(cleaned.existed).toBe(false);
  await expect(hypervisor.domainState(boot, domainName)).resolves.toMatchObject({ state: 'running' });
  expect(cleaned.volumes).toEqual([]);
  await expect(hypervisor.volumeInfo(boot, pool, overlayVolumeOf(domainName))).resolves.toMatchObject({ path: disk });
});
