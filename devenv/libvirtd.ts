// One lab host: a libvirtd in its own mount namespace with private libvirt directories under its host dir, so
// several independent hypervisor hosts (own domains, own UUID, own socket, own storage) run on one machine. Its
// private /etc/libvirt holds the machine's client config plus the few daemon settings that make several libvirtd on
// one machine independent of each other and of the system's (no virtlogd, own host UUID, own migration ports) and
// keep them from touching machine-wide state (cgroups, file ownership).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execVirsh } from '../activities/libvirt/virsh';
import { commandLine, isRunning, processName, seesMount, stopProcesses } from './processes';
import { repoRoot } from './tools';
import { waitFor } from './wait';

const MIGRATION_PORT_BASE = 49152;
const MIGRATION_PORTS_PER_HOST = 64;
export const MAX_HOSTS = (65536 - MIGRATION_PORT_BASE) / MIGRATION_PORTS_PER_HOST;

export function hostSocket(hostDir: string): string {
  return path.join(hostDir, 'run', 'libvirt-sock');
}

export function hostUri(hostDir: string): string {
  return `qemu+unix:///system?socket=${hostSocket(hostDir)}`;
}

export function hostLogs(hostDir: string): string[] {
  return [path.join(hostDir, 'libvirtd.out'), path.join(hostDir, 'log', 'libvirtd.log')];
}

type ConfValue = string | number | string[];

interface HostConfigOptions {
  etcDir: string;
  /** Each host of a lab gets its own migration port range, so concurrent incoming migrations never race for one. */
  migrationPortMin: number;
  migrationPortMax: number;
}

function confLine(key: string, value: ConfValue): string {
  if (Array.isArray(value)) return `${key} = [ ${value.map((v) => JSON.stringify(v)).join(', ')} ]`;
  return `${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
}

// Keep whatever the machine configured, minus the keys we set, so ours are the only assignment of each.
function writeConf(file: string, settings: Record<string, ConfValue>): void {
  const ours = new Set(Object.keys(settings));
  const kept = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => !ours.has(/^\s*([A-Za-z_]+)\s*=/.exec(line)?.[1] ?? ''))
    : [];
  const lines = Object.entries(settings).map(([key, value]) => confLine(key, value));
  writeFileSync(file, [...kept, '# bootshift lab host', ...lines, ''].join('\n'));
}

function writeHostConfig(opts: HostConfigOptions): void {
  mkdirSync(opts.etcDir, { recursive: true });
  if (existsSync('/etc/libvirt')) cpSync('/etc/libvirt', opts.etcDir, { recursive: true });
  writeConf(path.join(opts.etcDir, 'libvirtd.conf'), {
    // Migration refuses a destination with the source's UUID; without this all hosts read the same SMBIOS one.
    host_uuid: randomUUID(),
    // The sockets are root-only (0700), so no further authentication is needed (and polkit is absent).
    auth_unix_rw: 'none',
    auth_unix_ro: 'none',
    unix_sock_rw_perms: '0700',
    unix_sock_ro_perms: '0700',
    log_outputs: '3:file:/var/log/libvirt/libvirtd.log',
  });
  writeConf(path.join(opts.etcDir, 'qemu.conf'), {
    stdio_handler: 'file',
    // The guest image lives in the tool cache under a private home directory: qemu runs as root and libvirt
    // changes no file's owner, which several daemons sharing one console directory would fight over.
    user: 'root',
    group: 'root',
    dynamic_ownership: 0,
    security_driver: 'none',
    // Source and destination of a migration run a domain of the same name, often with the same id: per-domain
    // cgroups would collide, and lab hosts need no resource control.
    cgroup_controllers: [],
    migration_port_min: opts.migrationPortMin,
    migration_port_max: opts.migrationPortMax,
  });
}

/** Fresh private directories and config for host number `index` (stale sockets and pid files go with them). */
export function prepareHost(hostDir: string, index: number): void {
  rmSync(hostDir, { recursive: true, force: true });
  const migrationPortMin = MIGRATION_PORT_BASE + index * MIGRATION_PORTS_PER_HOST;
  writeHostConfig({
    etcDir: path.join(hostDir, 'etc'),
    migrationPortMin,
    migrationPortMax: migrationPortMin + MIGRATION_PORTS_PER_HOST - 1,
  });
}

/**
 * Starts libvirtd for a prepared host dir and returns its pid (unshare and the script exec into libvirtd, so the
 * pid stays the same). It runs detached: a `lab up` CLI exits while its hosts keep running.
 * `capsCacheDir` is shared by all hosts: probing qemu's capabilities costs seconds of CPU per daemon otherwise.
 */
export function spawnLibvirtd(hostDir: string, capsCacheDir: string): number {
  const script = path.join(repoRoot(), 'devenv', 'libvirtd-in-namespace');
  const out = openSync(hostLogs(hostDir)[0] as string, 'a');
  try {
    const child = spawn('unshare', ['-m', '--propagation', 'private', '--', '/bin/sh', script, hostDir, capsCacheDir], {
      detached: true,
      stdio: ['ignore', out, out],
      cwd: hostDir,
    });
    child.on('error', () => undefined); // surfaces below as a missing pid or in waitForHost as an exited daemon
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start unshare for ${hostDir} (is util-linux installed?)`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

function logTail(hostDir: string): string {
  return hostLogs(hostDir)
    .filter((file) => existsSync(file))
    .map((file) => `--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

export async function waitForHost(hostDir: string, pid: number, timeoutMs: number): Promise<void> {
  const uri = hostUri(hostDir);
  try {
    await waitFor(
      async () => {
        if (!isRunning(pid)) throw new Error(`libvirtd (pid ${pid}) exited during start`);
        if (!existsSync(hostSocket(hostDir))) return false;
        return execVirsh()({ uri, args: ['version'], timeoutMs: 10_000 }).then(
          () => true,
          () => false,
        );
      },
      { timeoutMs, intervalMs: 100, what: `${uri} to answer virsh version` },
    );
  } catch (err) {
    throw new Error(`lab host ${hostDir} did not come up: ${(err as Error).message}\n${logTail(hostDir)}`);
  }
}

/**
 * Pids of this host's qemu processes, from the pid files libvirt writes per domain (driver.pid is libvirtd's own
 * lock), each checked to be a qemu living in this host's namespace, whatever became of that pid since.
 */
export function qemuPids(hostDir: string): number[] {
  const dir = path.join(hostDir, 'run', 'qemu');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.pid') && file !== 'driver.pid')
    .map((file) => Number(readFileSync(path.join(dir, file), 'utf8').trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0 && isRunning(pid))
    .filter((pid) => processName(pid).startsWith('qemu-system') && seesMount(pid, '/run/libvirt', path.join(hostDir, 'run')));
}

// Whole path components only: /tmp/bs-x/h1 must not match /tmp/bs-x/h10.
function mentionsDir(cmdline: string, dir: string): boolean {
  return `${cmdline} `.includes(`${dir} `) || cmdline.includes(`${dir}/`);
}

/** The host's libvirtd, from the recorded pid and its own pid file, if it is still the process we started. */
export function libvirtdPids(hostDir: string, recorded?: number): number[] {
  const pidFile = path.join(hostDir, 'run', 'libvirtd.pid');
  const fromFile = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  return [...new Set([recorded, fromFile])]
    .filter((pid): pid is number => Number.isInteger(pid) && (pid as number) > 0)
    .filter((pid) => isRunning(pid) && mentionsDir(commandLine(pid), hostDir));
}

export async function stopHosts(hosts: { dir: string; pid?: number }[]): Promise<void> {
  // Guests first, while their daemons still run and can record the exit; then the daemons.
  await stopProcesses(hosts.flatMap((host) => qemuPids(host.dir)));
  await stopProcesses(hosts.flatMap((host) => libvirtdPids(host.dir, host.pid)));
}
