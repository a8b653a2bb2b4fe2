// Fault (real lab): the destination's libvirtd is SIGKILLed in the middle of a live migration (slowed down with a
// bandwidth cap so there is a middle). The VM must keep running on its boot host, the migration must be retried or
// sent to the other settle host, and once the killed daemon is back nothing may be left behind anywhere.
import { createLibvirtHypervisor } from '../../activities/libvirt/libvirt-hypervisor';
import { guestImage } from '../../devenv/tools';
import { killHostDaemon, restartHostDaemon } from '../../lab/host-control';
import { checkInvariants, observeHypervisor } from '../../cli/check';
import { waitFor } from '../../devenv/wait';
import { readInventoryFile } from '../../worker/inventory-file';
import { getStatusQuery } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import { virshLines } from '../helpers/virsh';
import { devEnvSession } from '../helpers/dev-env-session';
import { vmInput } from '../helpers/vm-input';
import { recordFaultResult, scaled } from './fault-run';
import { ledgerSnapshot } from '../helpers/ledger';

jest.setTimeout(3_600_000);

const session = devEnvSession('fault-mig');

test('a destination libvirtd killed mid-migration: the VM keeps running and settles elsewhere or later', async () => {
  const runs = scaled(1, 3);
  const { env, client } = await session.start({
    ui: false,
    boot: 1,
    settle: 2,
    workerEnv: { BOOTSHIFT_MIGRATION_BANDWIDTH_MIBPS: '3' },
  });
  const inventory = await readInventoryFile(env.inventoryFile);
  const uri = (name: string) => inventory.hosts.find((h) => h.name === name)!.uri;
  const { kernel, initrd } = guestImage();
  const outcomes: string[] = [];

  for (let run = 0; run < runs; run += 1) {
    const vmId = `vm/fault/migration/vm${run}`;
    const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet, { kernel, initrd })] });
    let target = '';
    await waitFor(
      async () => {
        const status = await handle.query(getStatusQuery);
        target = status.migration?.target ?? '';
        return status.phase === 'migrating' && target !== '' && status.migration!.percent > 0;
      },
      { timeoutMs: 600_000, intervalMs: 200, what: `${vmId} to be mid-migration` },
    );
    const { domainName, bootHost } = await handle.query(getStatusQuery);
    await killHostDaemon(env.labDir!, target);
    // The source notices the broken stream and the guest goes on running where it booted.
    await waitFor(async () => (await virshLines(uri(bootHost!), ['domstate', domainName]).catch(() => []))[0] === 'running', {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `${domainName} running on ${bootHost} after the kill`,
    });
    const result = await handle.result();
    await restartHostDaemon(env.labDir!, target);
    expect(result.settled).toBe(true);
    outcomes.push(result.host === target ? `retried on ${target}` : `moved from ${target} to ${result.host}`);
  }

  // A target that was down when its partial copy was to be destroyed keeps that slot held as leaked; once its daemon
  // is back, reclaimLeaked destroys what is left there and frees it.
  const leakedAtEnd = (await ledgerSnapshot(env)).leaked.length;
  await waitFor(async () => (await ledgerSnapshot(env)).leaked.length === 0, { timeoutMs: 900_000, intervalMs: 2000, what: 'leaked capacity to be reclaimed' });
  if (leakedAtEnd > 0) outcomes.push(`${leakedAtEnd} slot(s) held as leaked until the daemon was back, then reclaimed`);
  const domains = await observeHypervisor(createLibvirtHypervisor(), inventory);
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory, domains });
  recordFaultResult('lab-migration-target-killed', {
    fault: 'destination libvirtd SIGKILLed during a live migration (lab)',
    runs,
    injections: runs,
    vms: runs,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length + report.heldAsLeaked.length,
    notes: report.ok ? outcomes.join('; ') : JSON.stringify(report),
  });
  expect(report).toMatchObject({ ok: true, vms: runs });
});
