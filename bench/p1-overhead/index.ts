// P1, bootshift's overhead: the same VM spec on the same lab (1 boot host + 1 settle host), request to settled,
// through bootshift (provisionVm via the client, the worker process with the libvirt adapter and the boot gateway)
// and through a plain virsh script, alternated ABAB so drifting machine load hits both alike.
// Run alone: npx ts-node --transpile-only bench/p1-overhead/index.ts [--pairs 5]   (needs `npm run build`)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { connectDevEnv, startDevEnv, stopDevEnv } from '../../devenv/dev-env';
import { startPhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { readInventoryFile } from '../../worker/inventory-file';
import { benchMain, intArg } from '../bench-main';
import { loadAverage } from '../machine';
import { decommission, provisionThroughBootshift, type BootshiftRun } from './bootshift-run';
import { provisionPlainly, removePlainly, type PlainHosts, type PlainRun } from './plain-run';
import { summarize, type P1Result } from './summary';

async function run(args: string[]): Promise<P1Result> {
  const pairs = intArg(args, '--pairs', 5);
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-bench-p1-'));
  const catcher = await startPhoneHomeCatcher();
  let connection: Connection | undefined;
  try {
    const env = await startDevEnv({ stateDir, boot: 1, settle: 1, ui: false });
    // With the environment's payload keys: the worker seals every payload, results included.
    const connected = await connectDevEnv(env);
    connection = connected.connection;
    const client = connected.client;
    const { hosts } = await readInventoryFile(env.inventoryFile);
    const plainHosts: PlainHosts = { boot: hosts.find((h) => h.pool === 'boot')!, settle: hosts.find((h) => h.pool === 'settle')!, consoleDir: env.consoleDir };

    const viaBootshift = async (name: string) => {
      const outcome = await provisionThroughBootshift(client, env, name);
      await decommission(client, env, name);
      return outcome;
    };
    const viaPlain = async (name: string) => {
      try {
        return await provisionPlainly(plainHosts, catcher, name);
      } finally {
        await removePlainly(plainHosts, name);
      }
    };
    // The first of each pays one-off costs (the ledger workflow's start, cold page cache for qemu and the image).
    const warmup = { bootshiftMs: Math.round((await viaBootshift('warmup-b')).totalMs), plainMs: Math.round((await viaPlain('warmup-p')).totalMs) };
    const bootshift: BootshiftRun[] = [];
    const plain: PlainRun[] = [];
    const loads: number[] = [];
    for (let i = 0; i < pairs; i += 1) {
      bootshift.push(await viaBootshift(`b${i}`));
      plain.push(await viaPlain(`p${i}`));
      loads.push(loadAverage()[0]);
    }
    return summarize(bootshift, plain, warmup, loads);
  } finally {
    await connection?.close();
    await catcher.close();
    await stopDevEnv(stateDir);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

benchMain('p1-overhead', run);
