// The runner's command line, turned into SimParams. A --calibration file carries the lab's P4 measurement; the
// flags override single parameters of the defaults.
import { Command, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { calibrate, DEFAULT_CALIBRATION } from './calibration';
import { DEFAULT_PARAMS, type SimParams } from './params';

export interface RunOptions {
  params: SimParams;
  svg: string;
}

const calibrationSchema = z.strictObject({
  aloneSeconds: z.number().positive(),
  packedSeconds: z.number().positive(),
  packedLoadPerCpu: z.number().positive(),
  hostCpus: z.int().positive().optional(),
  bootVcpus: z.int().positive().optional(),
});

function numberIn(min: number, max: number, integer = false): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n >= min && n <= max) || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };
}
const count = numberIn(1, 1e7, true);
const fraction = numberIn(0, 1);
const positive = numberIn(1e-9, Infinity);
const nonNegative = numberIn(0, Infinity);

export function parseArgs(argv: readonly string[]): RunOptions {
  const d = DEFAULT_PARAMS;
  const o = new Command('run.ts')
    .description('Simulate a boot storm under in-place and bootshift placement; print Markdown, write an SVG')
    .option('--seed <n>', 'PRNG seed', numberIn(0, 2 ** 32 - 1, true), d.seed)
    .option('--hosts <n>', 'hosts in the fleet', count, d.hosts)
    .option('--cpus <n>', 'physical CPUs per host', count, d.cpusPerHost)
    .option('--memory-gib <n>', 'memory per host (GiB)', positive, d.memoryMiBPerHost / 1024)
    .option('--boot-fraction <f>', 'share of hosts in the boot pool (bootshift)', fraction, d.bootFraction)
    .option('--ratio <r>', 'cpuAllocationRatio of dense hosts', numberIn(1, 64), d.cpuAllocationRatio)
    .option('--no-boot-vcpus-within-cpus', 'boot hosts limit only the VM count, not the sum of vCPUs')
    .option('--vms <n>', 'VMs to boot', count, d.vms)
    .option('--arrival-rate <r>', 'boot requests per second, Poisson (0 = all at once)', nonNegative, d.arrivalRate)
    .option('--calibration <file>', 'JSON {aloneSeconds, packedSeconds, packedLoadPerCpu, hostCpus?, bootVcpus?}')
    .option('--boot-seconds <s>', 'mean boot time alone (overrides the calibration)', positive)
    .option('--boot-cv <cv>', 'coefficient of variation of alone boot times', nonNegative, d.bootCv)
    .option('--busy-fraction <f>', 'share of settled VMs keeping all vCPUs busy', fraction, d.busyFraction)
    .option('--steady-load <f>', 'CPU per vCPU of the other settled VMs', fraction, d.steadyLoadPerVcpu)
    .option('--fill <f>', 'share of settle-host capacity already taken by tenants', fraction, d.initialFill)
    .option('--migration-mibps <n>', 'live-migration bandwidth (MiB/s)', positive, d.migrationMiBps)
    .option('--migration-overhead <s>', 'fixed cost per migration (s)', nonNegative, d.migrationOverheadSeconds)
    .option('--svg <path>', 'where to write the boot-time CDF', 'bench/results/sim-boot-cdf.svg')
    .parse(argv)
    .opts();
  const measured = o.calibration ? calibrationSchema.parse(JSON.parse(readFileSync(o.calibration, 'utf8'))) : DEFAULT_CALIBRATION;
  const model = calibrate(measured);
  if (o.bootSeconds !== undefined) model.aloneSeconds = o.bootSeconds;
  const params: SimParams = {
    ...d,
    seed: o.seed,
    hosts: o.hosts,
    cpusPerHost: o.cpus,
    memoryMiBPerHost: o.memoryGib * 1024,
    bootFraction: o.bootFraction,
    cpuAllocationRatio: o.ratio,
    bootVcpusWithinCpus: o.bootVcpusWithinCpus,
    vms: o.vms,
    arrivalRate: o.arrivalRate,
    model,
    bootCv: o.bootCv,
    busyFraction: o.busyFraction,
    steadyLoadPerVcpu: o.steadyLoad,
    initialFill: o.fill,
    migrationMiBps: o.migrationMibps,
    migrationOverheadSeconds: o.migrationOverhead,
  };
  return { params, svg: o.svg };
}
