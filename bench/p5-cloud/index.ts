// P5, real cloud guests: Debian 12 cloud VMs (cloud-init, NoCloud seed, a copy-on-write disk over a base cached in
// each host's pool) through bootshift's real workflows on the lab (1 boot host + 1 settle host, no shared storage),
// one at a time so they do not compete: boot to phone-home, boot to guest-agent-ready, and the migration that copies
// the VM's own disk layer, against a plain virsh migration that copies the whole image.
// Run alone: npx ts-node --transpile-only bench/p5-cloud/index.ts [--vms 3] [--plain 1] [--no-wait]   (needs `npm run build`)
//   --vms N: VMs per boot signal (alternated phone-home / guest-agent); --plain N: plain virsh guests migrated both
//   ways; --no-wait: skip the load gate (smoke runs)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { connectDevEnv, startDevEnv, stopDevEnv } from '../../devenv/dev-env';
import { startPhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { readInventoryFile } from '../../worker/inventory-file';
import { benchMain, intArg } from '../bench-main';
import { overlayVolumeOf } from '../../domain';
import { cloudBase, hostRefOf, hypervisor, poolOn } from '../lab/cloud-guest';
import { waitForQuietMachine, type LoadGate } from '../load-gate';
import { loadAverage } from '../machine';
import { decommissionCloud, provisionCloud, type BootSignal } from './cloud-run';
import { cloudInitUptime } from './guest-console';
import { watchDomainEvents, type DomainEventWatcher } from './domain-events';
import { jobFigures, plainMigrations, type PlainMigrationRun } from './plain-migration';
import { summarize, vmFigures, type P5Result, type VmFigures } from './summary';

const HOST_CPUS = 2;
const PER_VM_WAIT_MS = 3 * 60_000;
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} p5: ${line}\n`);

async function run(args: string[]): Promise<P5Result> {
  const perSignal = intArg(args, '--vms', 3);
  const plainRuns = intArg(args, '--plain', 1);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p5-'));
  const catcher = await startPhoneHomeCatcher();
  const watchers: DomainEventWatcher[] = [];
  let connection: Connection | undefined;
  try {
    // 2 CPUs and 2 GiB per host: room for a 512 MiB cloud VM on each, and the boot host undersubscribed.
    const env = await startDevEnv({ stateDir, boot: 1, settle: 1, hostCpus: HOST_CPUS, ui: false });
    // With the environment's payload keys: the worker seals every payload, results and histories included.
    const connected = await connectDevEnv(env);
    connection = connected.connection;
    const client = connected.client;
    const inventory = await readInventoryFile(env.inventoryFile);
    const boot = inventory.hosts.find((h) => h.pool === 'boot')!;
    const settle = inventory.hosts.find((h) => h.pool === 'settle')!;
    const events = { boot: watchDomainEvents(boot.uri), settle: watchDomainEvents(settle.uri) };
    watchers.push(events.boot, events.settle);
    const base = await cloudBase(inventory);
    const settlePool = await poolOn(settle, inventory);

    const skip = args.includes('--no-wait');
    const gate = await waitForQuietMachine({ skip, log });
    // Each VM also waits (a shorter while) for the machine to calm down after the one before and any other work.
    const perVm = () => waitForQuietMachine({ skip, log, maxWaitMs: PER_VM_WAIT_MS });
    const vmGates: LoadGate[] = [];
    const vms: VmFigures[] = [];
    // Alternated, so drifting machine load hits both signals alike; the first VM pays the base's uploads.
    for (let i = 1; i <= perSignal; i += 1) {
      for (const signal of ['phone-home', 'guest-agent'] as BootSignal[]) {
        const name = `${signal === 'phone-home' ? 'ph' : 'ga'}-${i}`;
        if (vms.length > 0) vmGates.push(await perVm());
        log(`${name}: provisioning (load ${loadAverage().join(' / ')})`);
        const outcome = await provisionCloud(client, env, name, signal, loadAverage()[0]);
        const job = jobFigures(await events.boot.waitFor(outcome.domainName, 'job-completed', 1, 15_000));
        const landed = await hypervisor.volumeInfo(hostRefOf(settle), settlePool, overlayVolumeOf(outcome.domainName));
        const agent = events.boot.of(outcome.domainName, 'agent-lifecycle').find((e) => /state: 'connected'/.test(e.detail));
        const targetFileMiB = landed ? Number((landed.physicalBytes / 2 ** 20).toFixed(1)) : null;
        const { finishedS } = cloudInitUptime(path.join(env.consoleDir, `${outcome.domainName}.log`));
        vms.push(vmFigures(outcome, vms.length === 0, { job, targetFileMiB, agentConnectedAt: agent?.at ?? null, cloudInitFinishedUptimeS: finishedS }));
        log(`${name}: boot ${outcome.result.bootMs} ms, migrate ${outcome.result.migrateMs} ms, ${outcome.result.migrateDiskMiB} MiB`);
        await decommissionCloud(client, env, name);
      }
    }
    const plain: PlainMigrationRun[] = [];
    for (let i = 1; i <= plainRuns; i += 1) {
      vmGates.push(await perVm());
      log(`plain-${i}: plain virsh boot, --copy-storage-inc, --copy-storage-all`);
      plain.push(await plainMigrations({ boot, settle, inventory, catcher, consoleDir: env.consoleDir, events }, `p5-plain-${i}`));
    }
    return summarize(
      {
        vmsPerSignal: perSignal,
        gate,
        vmGates: { waits: vmGates.length, waitedSeconds: vmGates.reduce((sum, g) => sum + g.waitedSeconds, 0), notQuiet: vmGates.filter((g) => !g.quiet && !g.skipped).length },
        lab: { boot: 1, settle: 1, hostCpus: HOST_CPUS, guest: 'Debian 12 cloud image, 1 vCPU, 512 MiB, 4 GiB disk over the 2 GiB base, TCG' },
        image: {
          file: base.file,
          volume: base.volume,
          fileMiB: Number((base.physicalBytes / 2 ** 20).toFixed(1)),
          virtualGiB: base.capacityBytes / 2 ** 30,
        },
        vms,
      },
      plain,
    );
  } finally {
    for (const watcher of watchers) await watcher.stop();
    await connection?.close();
    await catcher.close();
    await stopDevEnv(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

benchMain('p5-cloud', run);
