// Faults for one lab host: its libvirtd killed outright (as a crash would) and started again on the same private
// state, so fault tests can cut a hypervisor out from under a running migration and bring it back.
import path from 'node:path';
import { libvirtdPids, spawnLibvirtd, waitForHost } from '../devenv/libvirtd';
import { readLabState, writeLabState } from '../devenv/lab-hosts';
import { signalProcesses, stopProcesses } from '../devenv/processes';
import { cacheDir } from '../devenv/tools';

function hostOf(labDir: string, name: string) {
  const state = readLabState(labDir);
  const host = state?.hosts.find((h) => h.name === name);
  if (!state || !host) throw new Error(`no lab host ${name} in ${labDir}`);
  return { state, host };
}

/** SIGKILLs the host's libvirtd (its guests' qemu processes are left alone, as after a daemon crash). */
export async function killHostDaemon(labDir: string, name: string): Promise<number[]> {
  const { host } = hostOf(labDir, name);
  const pids = libvirtdPids(host.dir, host.pid);
  signalProcesses(pids, 'SIGKILL');
  await stopProcesses(pids, 5_000);
  return pids;
}

export async function restartHostDaemon(labDir: string, name: string, timeoutMs = 180_000): Promise<number> {
  const { state, host } = hostOf(labDir, name);
  host.pid = spawnLibvirtd(host.dir, path.join(cacheDir(), 'libvirt-cache'));
  writeLabState(labDir, state);
  await waitForHost(host.dir, host.pid, timeoutMs);
  return host.pid;
}
