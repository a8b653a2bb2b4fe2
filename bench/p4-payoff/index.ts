// P4, the patent's payoff on real guests: host A (boot pool) and host B (settle pool) each pinned to a CPU of their
// own, B filled with D guests that keep their vCPU busy; then K new guests (a) booted in place on B with plain virsh,
// as a dense-only scheduler would, and (b) the bootshift way (boot on A, live-migrate to B once booted). Same final
// density on B either way; the boot times differ. The alone and packed boot times become the simulation's
// calibration (bench/results/p4-calibration.json).
// Run alone: npx ts-node --transpile-only bench/p4-payoff/index.ts [--burners 3] [--guests 3]   (needs `npm run build`)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../devenv/tools';
import { startPhoneHomeCatcher } from '../../lab/phone-home-catcher';
import { benchMain, intArg, recordFile } from '../bench-main';
import { median, round } from '../stats';
import { provisionAll } from './bootshift-way';
import { hostCpuUse } from './cpu-use';
import { density, type Density } from './density';
import { armFigures, type ArmFigures, type GuestTiming } from './guest-timing';
import { bootAlone, bootInPlace, removeAll } from './in-place';
import { startP4Env } from './p4-env';
import { startPinning } from './pinning';

export interface P4Result {
  burners: number;
  guests: number;
  /** CPU-seconds per second B's qemus used just before the boots (1.0 = its CPU fully busy) */
  bBusyBefore: number;
  /** plain boots, one at a time: on B before it is filled (the calibration's alone time), on A once B is busy */
  aloneBootMs: number[];
  aloneOnABootMs: number[];
  inPlace: ArmFigures & { density: Density };
  bootshift: ArmFigures & { density: Density };
  bootP95Speedup: number;
  met: boolean;
  pinning: { pinCalls: number; errors: number; strays: string[] };
  calibration: { aloneSeconds: number; packedSeconds: number; packedLoadPerCpu: number; hostCpus: number; bootVcpus: number };
  calibrationFile: string;
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

async function run(args: string[]): Promise<P4Result> {
  const burners = intArg(args, '--burners', 3);
  const guests = intArg(args, '--guests', 3);
  const env = await startP4Env(burners + guests);
  const pinning = startPinning([
    { hostDir: env.aDir, cpu: 0 },
    { hostDir: env.bDir, cpu: 1 },
  ]);
  const catcher = await startPhoneHomeCatcher();
  try {
    const alone = await bootAlone(env.b, catcher, env.consoleDir, names('alone', 2));
    await provisionAll(env, names('tenant', burners), true);
    // A is where the bootshift way boots: its conditions once B's CPU is saturated (the machine's other processes,
    // not pinned, then crowd onto A's CPU).
    const aloneOnA = await bootAlone(env.a, catcher, env.consoleDir, names('alone-a', 2));
    const bBusyBefore = await hostCpuUse(env.bDir);
    const inPlaceNames = names('inplace', guests);
    const inPlace = { ...armFigures(await bootInPlace(env.b, catcher, env.consoleDir, inPlaceNames)), density: await density(env.b, 1) };
    const strays = await pinning.strays();
    await removeAll(env.b, inPlaceNames);
    const shifted = { ...armFigures(await provisionAll(env, names('shifted', guests))), density: await density(env.b, 1) };
    strays.push(...(await pinning.strays()));
    const bootMs = (g: GuestTiming) => g.phonedHomeAt - g.bootStartedAt;
    const aloneBootMs = alone.map(bootMs);
    const calibration = {
      aloneSeconds: round(median(aloneBootMs) / 1000, 2),
      packedSeconds: round(median(inPlace.guests.map(bootMs)) / 1000, 2),
      // runnable vCPUs besides the measured boot: the busy tenants and the other guests booting with it
      packedLoadPerCpu: burners + guests - 1,
      hostCpus: 1,
      bootVcpus: 1,
    };
    const calibrationFile = recordFile('p4-calibration');
    writeFileSync(calibrationFile, `${JSON.stringify(calibration, null, 2)}\n`);
    const bootP95Speedup = round(inPlace.bootP95Ms / shifted.bootP95Ms, 2);
    const equalDensity = inPlace.density.vms === shifted.density.vms && inPlace.density.vcpus === shifted.density.vcpus;
    return {
      burners,
      guests,
      bBusyBefore,
      aloneBootMs,
      aloneOnABootMs: aloneOnA.map(bootMs),
      inPlace,
      bootshift: shifted,
      bootP95Speedup,
      met: bootP95Speedup >= 2 && equalDensity,
      pinning: { ...(await pinning.stop()), strays },
      calibration,
      calibrationFile: path.relative(repoRoot(), calibrationFile),
    };
  } finally {
    await pinning.stop();
    await catcher.close();
    await env.stop();
  }
}

benchMain('p4-payoff', run);
