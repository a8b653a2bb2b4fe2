// Evidence that host B is really busy before the boots: CPU-seconds per second its qemus use over a short window,
// from /proc/<pid>/stat (utime + stime, in clock ticks of 1/100 s on Linux).
import { readFileSync } from 'node:fs';
import { qemuPids } from '../../devenv/libvirtd';

function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export async function hostCpuUse(hostDir: string, windowMs = 5000): Promise<number> {
  const pids = qemuPids(hostDir);
  const before = pids.map(ticks);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const used = pids.reduce((sum, pid, i) => sum + ticks(pid) - (before[i] ?? 0), 0);
  return Number((used / 100 / (windowMs / 1000)).toFixed(2));
}
