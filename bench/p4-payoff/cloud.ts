// P4 with real cloud guests: the same setup as bench/p4-payoff/index.ts (host A, boot pool, pinned to CPU 0; host B,
// settle pool, pinned to CPU 1, filled first with D busybox tenants that keep their vCPU busy, placed through bootshift),
// but the K new guests are Debian cloud VMs (cloud-init, 512 MiB, a 4 GiB disk over the base cached in each host's
// pool): (a) booted in place on B with plain virsh, all at once, (b) the bootshift way (boot on A, live-migrate to B
// with the disk layer once booted). Cloud guests take about a minute to boot alone under TCG, so K and D are small.
// Run alone: npx ts-node --transpile-only bench/p4-payoff/cloud.ts [--burners 2] [--guests 2] [--alone 1] [--no-wait]
//   (needs `npm run build`; --no-wait skips the load gate, for smoke runs)
import { readInventoryFile } from '../../worker/inventory-file';
import { startPhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { benchMain, intArg } from '../bench-main';
import { cloudBase, ensureBaseOn, poolOn } from '../lab/cloud-guest';
import { waitForQuietMachine, type LoadGate } from '../load-gate';
import { round } from '../stats';
import { provisionAll } from './bootshift-way';
import { bootCloudAlone, bootCloudInPlace, provisionCloudAll, removeCloudAll, type CloudHost, type CloudMove } from './cloud-guests';
import { hostCpuUse } from './cpu-use';
import { density, type Density } from './density';
import { armFigures, type ArmFigures, type GuestTiming } from './guest-timing';
import { startP4Env } from './p4-env';
import { startPinning } from './pinning';

export interface P4CloudResult {
  burners: number;
  guests: number;
  hostMemoryMiB: number;
  gate: LoadGate;
  /** the base image put into each host's pool before anything is measured, ms (0: already there) */
  baseUploadMs: { a: number; b: number };
  /** CPU-seconds per second B's qemus used just before the boots (1.0 = its CPU fully busy) */
  bBusyBefore: number;
  /** plain cloud boots, one at a time: on B before it is filled, on A once B is busy */
  aloneBootMs: number[];
  aloneOnABootMs: number[];
  inPlace: ArmFigures & { density: Density };
  bootshift: ArmFigures & { density: Density; moves: CloudMove[] };
  bootP95Speedup: number;
  met: boolean;
  pinning: { pinCalls: number; errors: number; strays: string[] };
}

const HOST_MEMORY_MIB = 4096;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} p4-cloud: ${line}\n`);

async function run(args: string[]): Promise<P4CloudResult> {
  const burners = intArg(args, '--burners', 2);
  const guests = intArg(args, '--guests', 2);
  const aloneRuns = intArg(args, '--alone', 1);
  // B takes D busybox tenants (128 MiB) and K cloud guests (512 MiB); A one cloud guest at a time.
  const env = await startP4Env(burners + guests, { hostMemoryMiB: HOST_MEMORY_MIB });
  const pinning = startPinning([
    { hostDir: env.aDir, cpu: 0 },
    { hostDir: env.bDir, cpu: 1 },
  ]);
  const catcher = await startPhoneHomeCatcher();
  try {
    const inventory = await readInventoryFile(env.lab.inventoryPath);
    const base = await cloudBase(inventory);
    const on = async (host: typeof env.a): Promise<CloudHost> => ({ host, pool: await poolOn(host, inventory), base, catcher, consoleDir: env.consoleDir });
    const [a, b] = [await on(env.a), await on(env.b)];
    // Cached on both hosts first, as it would be on a fleet that has run this image before: neither arm pays for it.
    const baseUploadMs = { a: await ensureBaseOn(a.host, a.pool, base), b: await ensureBaseOn(b.host, b.pool, base) };

    const gate = await waitForQuietMachine({ skip: args.includes('--no-wait'), log });
    log(`alone on B (${aloneRuns})`);
    const alone = await bootCloudAlone(b, names('alone', aloneRuns));
    log(`D = ${burners} busy tenants through bootshift`);
    await provisionAll(env, names('tenant', burners), true);
    log(`alone on A (${aloneRuns})`);
    const aloneOnA = await bootCloudAlone(a, names('alone-a', aloneRuns));
    const bBusyBefore = await hostCpuUse(env.bDir);
    const inPlaceNames = names('inplace', guests);
    log(`(a) K = ${guests} in place on B`);
    const inPlace = { ...armFigures(await bootCloudInPlace(b, inPlaceNames)), density: await density(env.b, 1) };
    const strays = await pinning.strays();
    await removeCloudAll(b, inPlaceNames);
    log(`(b) K = ${guests} the bootshift way`);
    const shiftedRuns = await provisionCloudAll(env, names('shifted', guests));
    const shifted = { ...armFigures(shiftedRuns.timings), density: await density(env.b, 1), moves: shiftedRuns.moves };
    strays.push(...(await pinning.strays()));
    const bootMs = (g: GuestTiming) => g.phonedHomeAt - g.bootStartedAt;
    const bootP95Speedup = round(inPlace.bootP95Ms / shifted.bootP95Ms, 2);
    const equalDensity = inPlace.density.vms === shifted.density.vms && inPlace.density.vcpus === shifted.density.vcpus;
    return {
      burners,
      guests,
      hostMemoryMiB: HOST_MEMORY_MIB,
      gate,
      baseUploadMs,
      bBusyBefore,
      aloneBootMs: alone.map(bootMs),
      aloneOnABootMs: aloneOnA.map(bootMs),
      inPlace,
      bootshift: shifted,
      bootP95Speedup,
      met: bootP95Speedup >= 2 && equalDensity,
      pinning: { ...(await pinning.stop()), strays },
    };
  } finally {
    await pinning.stop();
    await catcher.close();
    await env.stop();
  }
}

benchMain('p4-payoff-cloud', run);
