// Starts and stops a lab: N independent libvirt hosts on this machine (boot pool + settle pool) plus the inventory
// that describes them the way an operator describes a real fleet, so everything downstream runs unchanged against
// lab hosts. What the lab started is recorded in its directory (lab.json), so `lab down`, a later `lab up` on the same
// directory or a test's teardown can stop exactly those processes, even after the starting process crashed.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { hostSocket, hostUri, MAX_HOSTS, prepareHost, spawnLibvirtd, stopHosts, waitForHost } from './libvirtd';
import { cacheDir, labImageDirs } from './tools';

const labHostSchema = z.strictObject({
  name: z.string(),
  pool: z.enum(['boot', 'settle']),
  dir: z.string(),
  uri: z.string(),
  pid: z.int().positive().optional(),
});

const labStateSchema = z.strictObject({ version: z.literal(1), hosts: z.array(labHostSchema) });

export type LabStateHost = z.infer<typeof labHostSchema>;
export type LabState = z.infer<typeof labStateSchema>;

export function labStatePath(dir: string): string {
  return path.join(dir, 'lab.json');
}

export function readLabState(dir: string): LabState | undefined {
  const file = labStatePath(dir);
  if (!existsSync(file)) return undefined;
  const parsed = labStateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a lab state file: ${parsed.error.message}`);
  return parsed.data;
}

export function writeLabState(dir: string, state: LabState): void {
  const file = labStatePath(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export interface StartLabOptions {
  /** Short absolute path: host sockets live below it and a unix socket path is limited to 107 bytes. */
  dir: string;
  boot: number;
  settle: number;
  /** Declared capacity of each host in the inventory (the lab does not pin CPUs). */
  hostCpus?: number;
  hostMemoryMiB?: number;
  cpuAllocationRatio?: number;
  readyTimeoutMs?: number;
  /** qemu capabilities cache shared by the hosts; defaults to one in the tool cache, kept between labs. */
  capsCacheDir?: string;
}

export type LabHost = Required<LabStateHost>;

export interface Lab {
  dir: string;
  inventoryPath: string;
  /** Outside every host's private mounts: files here (consoles) are seen alike by all hosts, across migrations. */
  sharedDir: string;
  hosts: LabHost[];
}

function checkOptions({ dir, boot, settle }: StartLabOptions): void {
  if (!path.isAbsolute(dir) || !/^[A-Za-z0-9._/-]+$/.test(dir) || path.resolve(dir) === '/') {
    throw new Error(`lab dir must be an absolute path of A-Z, a-z, 0-9, ".", "_", "-", "/": ${dir}`);
  }
  if (![boot, settle].every((n) => Number.isInteger(n) && n >= 0) || boot + settle < 1 || boot + settle > MAX_HOSTS) {
    throw new Error(`a lab has 1 to ${MAX_HOSTS} hosts (boot ${boot}, settle ${settle})`);
  }
  const socket = hostSocket(path.join(path.resolve(dir), `h${boot + settle - 1}`));
  if (Buffer.byteLength(socket) > 107) throw new Error(`lab dir too long: ${socket} exceeds the unix socket limit`);
}

function plannedHosts(dir: string, boot: number, settle: number): LabStateHost[] {
  const pools = [...Array<'boot'>(boot).fill('boot'), ...Array<'settle'>(settle).fill('settle')];
  return pools.map((pool, index) => {
    const hostDir = path.join(dir, `h${index}`);
    const name = `${pool}-${pool === 'boot' ? index + 1 : index - boot + 1}`;
    return { name, pool, dir: hostDir, uri: hostUri(hostDir) };
  });
}

async function startHosts(dir: string, state: LabState, opts: StartLabOptions): Promise<void> {
  const capsCache = opts.capsCacheDir ?? path.join(cacheDir(), 'libvirt-cache');
  mkdirSync(capsCache, { recursive: true });
  const start = async (host: LabStateHost): Promise<void> => {
    host.pid = spawnLibvirtd(host.dir, capsCache);
    writeLabState(dir, state);
    await waitForHost(host.dir, host.pid, opts.readyTimeoutMs ?? 180_000);
  };
  // The first host fills the shared capabilities cache; the others then start in a fraction of a second each
  // instead of all probing qemu at once.
  const [first, ...rest] = state.hosts;
  if (first) await start(first);
  await Promise.all(rest.map(start));
}

export async function startLab(opts: StartLabOptions): Promise<Lab> {
  checkOptions(opts);
  const dir = path.resolve(opts.dir);
  await stopLab(dir);
  mkdirSync(dir, { recursive: true });
  const state: LabState = { version: 1, hosts: plannedHosts(dir, opts.boot, opts.settle) };
  writeLabState(dir, state); // before anything starts, so a crash from here on leaves a lab that stopLab can clean
  state.hosts.forEach((host, index) => prepareHost(host.dir, index));
  try {
    await startHosts(dir, state, opts);
  } catch (err) {
    await stopHosts(state.hosts); // the directory stays, with the logs the error points to
    throw err;
  }
  const lab = { dir, inventoryPath: path.join(dir, 'inventory.yaml'), sharedDir: path.join(dir, 'shared') };
  mkdirSync(lab.sharedDir, { recursive: true });
  const inventory = labInventory(state.hosts, {
    cpus: opts.hostCpus ?? 1,
    memoryMiB: opts.hostMemoryMiB ?? 1024,
    cpuAllocationRatio: opts.cpuAllocationRatio ?? 4,
  });
  writeInventory(lab.inventoryPath, inventory);
  return { ...lab, hosts: state.hosts.map((host) => ({ ...host, pid: host.pid ?? 0 })) };
}

/** Stops what the lab in `dir` started (guests, then daemons) and removes its files. A missing lab is no error. */
export async function stopLab(labDir: string): Promise<void> {
  const dir = path.resolve(labDir);
  const state = readLabState(dir);
  if (!state) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new Error(`${dir} is not empty and holds no lab.json: not a lab directory, leaving it alone`);
    }
    return;
  }
  // Only direct children of the lab dir are ours to delete, whatever the state file says.
  const hosts = state.hosts.filter((host) => path.dirname(host.dir) === dir);
  await stopHosts(hosts);
  for (const entry of [...hosts.map((host) => host.dir), path.join(dir, 'shared'), path.join(dir, 'inventory.yaml')]) {
    rmSync(entry, { recursive: true, force: true });
  }
  rmSync(path.join(dir, 'lab.json'), { force: true });
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

interface LabInventoryHost {
  name: string;
  uri: string;
  pool: 'boot' | 'settle';
}

interface LabInventoryOptions {
  cpus: number;
  memoryMiB: number;
  cpuAllocationRatio: number;
}

function labInventory(hosts: LabInventoryHost[], opts: LabInventoryOptions): object {
  return {
    fleet: 'lab',
    // The guest images scripts/install-lab builds: the busybox kernel + initrd, and the Debian cloud image.
    imageDirs: labImageDirs(),
    hosts: hosts.map((host) => ({
      name: host.name,
      uri: host.uri,
      cpus: opts.cpus,
      memoryMiB: opts.memoryMiB,
      pool: host.pool,
      ...(host.pool === 'settle' && { cpuAllocationRatio: opts.cpuAllocationRatio }),
      state: 'active',
      // All lab hosts share one hostname, so migration needs an explicit address; loopback reaches every host.
      migrationAddress: '127.0.0.1',
      // TCG: on the machines this was tried on, a KVM guest hung (see LAB-NOTES.md).
      domainType: 'qemu',
      // Each lab host has a private /var/lib/libvirt (its own mount namespace): no storage is shared.
      storage: 'local',
    })),
  };
}

function writeInventory(file: string, inventory: object): void {
  writeFileSync(file, YAML.stringify(inventory));
}
