// The lab's hosts share one machine; P4 needs each to have a CPU of its own, or "dense host B" and "roomy host A"
// would be the same two cores. Every `intervalMs` each qemu of a host (qemuPids: new ones appear on B with every
// incoming migration) whose threads are not all confined to the host's CPU is pinned with `taskset -a -p -c`.
// Only /proc is read on a tick with nothing to do, so the loop itself costs next to nothing.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { qemuPids } from '../../devenv/libvirtd';

const run = promisify(execFile);

export interface PinnedHost {
  hostDir: string;
  cpu: number;
}

export interface Pinning {
  /** Pins every qemu now and reports any thread not on its host's CPU (for the final check). */
  strays(): Promise<string[]>;
  stop(): Promise<{ pinCalls: number; errors: number }>;
}

function allowedCpus(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? '?');
  } catch {
    return []; // the process exited between the listing and the read
  }
}

export function startPinning(hosts: PinnedHost[], intervalMs = 200): Pinning {
  let pinCalls = 0;
  let errors = 0;
  let stopped = false;
  const pass = async (): Promise<string[]> => {
    const strays: string[] = [];
    for (const { hostDir, cpu } of hosts) {
      for (const pid of qemuPids(hostDir)) {
        if (allowedCpus(pid).every((list) => list === String(cpu))) continue;
        strays.push(`qemu ${pid} of ${hostDir} not confined to CPU ${cpu}`);
        pinCalls += 1;
        await run('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]).catch(() => (errors += 1));
      }
    }
    return strays;
  };
  const loop = (async () => {
    while (!stopped) {
      await pass();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    strays: async () => {
      await pass();
      return pass();
    },
    stop: async () => {
      stopped = true;
      await loop;
      return { pinCalls, errors };
    },
  };
}
