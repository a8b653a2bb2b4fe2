// Fault (real lab, real cloud guest): the target's libvirtd is SIGKILLed while a live migration copies the VM's disk
// to it (the hosts share no storage; a bandwidth cap makes the copy last long enough to be cut). The VM must keep
// running on its boot host, the target's partial disk must be cleaned up once its daemon is back, the VM must still
// settle, and nothing may leak: no domain, disk or reservation without its VM.
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { checkInvariants, observeHypervisor, observeVolumes } from '../../cli/check';
import { CLOUD_IMAGE } from '../../devenv/tools';
import { waitFor } from '../../devenv/wait';
import { overlayVolumeOf } from '../../domain';
import { killHostDaemon, restartHostDaemon } from '../../lab/host-control';
import { readInventoryFile } from '../../worker/inventory-file';
import { getStatusQuery } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import { devEnvSession } from '../helpers/dev-env-session';
import { recordFaultResult, scaled } from './fault-run';
import { ledgerSnapshot } from '../helpers/ledger';

jest.setTimeout(3_600_000);

const session = devEnvSession('fault-block');

test('a target libvirtd killed during a block migration: the VM keeps running, the partial disk goes, nothing leaks', async () => {
  const runs = scaled(1, 2);
  const { env, client } = await session.start({
    ui: false,
    boot: 1,
    settle: 2,
    workerEnv: { BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS: '5' },
  });
  const inventory = await readInventoryFile(env.inventoryFile);
  const hypervisor = createLibvirtHypervisor();
  const ref = (name: string) => ({ name, uri: inventory.hosts.find((h) => h.name === name)!.uri });
  const pool = { ...inventory.storagePool };
  const outcomes: string[] = [];

  for (let run = 0; run < runs; run += 1) {
    const vmId = `vm/fault/block/vm${run}`;
    const spec = { name: `vm${run}`, vcpus: 1, memoryMiB: 512, image: { kind: 'cloud' as const, volume: CLOUD_IMAGE, diskGiB: 4 }, fleet: env.fleet, bootTimeoutSeconds: 900 };
    const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [{ vmId, spec }] });
    let target = '';
    // Cut it while the disk is being copied: some of it has arrived, not all.
    await waitFor(
      async () => {
        const { phase, migration } = await handle.query(getStatusQuery);
        target = migration?.target ?? '';
        return phase === 'migrating' && (migration?.diskProcessedMiB ?? 0) > 0 && migration!.diskProcessedMiB! < migration!.diskTotalMiB!;
      },
      { timeoutMs: 900_000, intervalMs: 200, what: `${vmId} to be copying its disk` },
    );
    const { domainName, bootHost } = await handle.query(getStatusQuery);
    await killHostDaemon(env.labDir!, target);
    // The source notices the broken stream and the guest goes on running where it booted.
    await waitFor(async () => (await hypervisor.domainState(ref(bootHost!), domainName).catch(() => null))?.state === 'running', {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: `${domainName} running on ${bootHost} after the kill`,
    });
    await restartHostDaemon(env.labDir!, target);
    const result = await handle.result();
    expect(result.settled).toBe(true);
    // Wherever it settled, the killed target holds no piece of it, unless it settled there after all.
    if (result.host !== target) expect(await hypervisor.volumeInfo(ref(target), pool, overlayVolumeOf(domainName))).toBeNull();
    outcomes.push(result.host === target ? `retried on ${target}` : `moved from ${target} to ${result.host}`);
  }

  const domains = await observeHypervisor(hypervisor, inventory);
  const volumes = await observeVolumes(hypervisor, inventory);
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory, domains, volumes });
  recordFaultResult('block-migration-target-killed', {
    fault: 'target libvirtd SIGKILLed while a live migration copies the disk (lab, Debian cloud guest, no shared storage)',
    runs,
    injections: runs,
    vms: runs,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length,
    leakedVolumes: report.leakedVolumes.length,
    notes: report.ok ? outcomes.join('; ') : JSON.stringify(report),
  });
  expect(report).toMatchObject({ ok: true, vms: runs, leakedVolumes: [] });
  // One disk per VM, beside it; the base image cache is not the VMs' and stays.
  expect(volumes).toHaveLength(runs);
});
