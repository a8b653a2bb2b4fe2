// `lab up` / `lab down`: a developer's (or CI job's) handle on a lab that outlives the command, e.g. to point
// `bootshift dev up` or a benchmark at its inventory.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startLab, stopLab } from '../devenv/lab-hosts';

function count(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return n;
  };
}

// N hosts split as about two boot hosts per settle host, at least one of each (3 -> 2 + 1, like the default).
function split(hosts: number): { boot: number; settle: number } {
  const settle = Math.max(1, Math.floor(hosts / 3));
  return { boot: hosts - settle, settle };
}

const program = new Command('lab').description('independent libvirt hosts on this machine, for tests and benchmarks');

program
  .command('up')
  .description('start a lab (replacing whatever a previous lab left in --dir) and print its inventory path')
  .option('--dir <dir>', 'lab directory (short: host sockets live below it)', '/tmp/bs-lab')
  .option('--hosts <n>', 'number of hosts, split into boot and settle pools', count(2))
  .option('--boot <n>', 'boot (undersubscribed) hosts', count(0), 2)
  .option('--settle <n>', 'settle (oversubscribed) hosts', count(0), 1)
  .option('--cpus <n>', 'declared CPUs per host in the inventory', count(1), 1)
  .option('--memory-mib <n>', 'declared memory per host in the inventory', count(128), 1024)
  .action(async (opts: { dir: string; hosts?: number; boot: number; settle: number; cpus: number; memoryMib: number }) => {
    const pools = opts.hosts === undefined ? { boot: opts.boot, settle: opts.settle } : split(opts.hosts);
    const dir = path.resolve(opts.dir);
    console.error(`lab: starting ${pools.boot} boot + ${pools.settle} settle hosts in ${dir}`);
    const lab = await startLab({ dir, ...pools, hostCpus: opts.cpus, hostMemoryMiB: opts.memoryMib });
    for (const host of lab.hosts) console.error(`lab: ${host.name} pid ${host.pid} ${host.uri}`);
    console.log(lab.inventoryPath);
  });

program
  .command('down')
  .description('stop the lab in --dir and remove its files')
  .option('--dir <dir>', 'lab directory', '/tmp/bs-lab')
  .action(async (opts: { dir: string }) => {
    const dir = path.resolve(opts.dir);
    await stopLab(dir);
    console.error(`lab: stopped ${dir}`);
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`lab: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
