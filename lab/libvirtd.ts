// One lab host: a libvirtd in its own mount namespace with private libvirt directories under its host dir, so
// several independent hypervisor hosts (own domains, own UUID, own socket) run on one machine.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeHostConfig } from './host-config';
import { commandLine, isRunning, processName, seesMount, stopProcesses } from './processes';
import { repoRoot } from './repo-root';
import { virsh } from './virsh';
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
  const script = path.join(repoRoot(), 'lab', 'libvirtd-in-namespace');
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
        return virsh(uri, ['version'], 10_000).then(
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
