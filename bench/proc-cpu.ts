// CPU time of a process and its children, from /proc/<pid>/stat (utime + stime, in clock ticks of 1/100 s on Linux),
// so a figure bound by the CPU can say whose CPU it was: a PostgreSQL server runs as a postmaster and one backend
// per connection, all its children.
import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  ppid: number;
  ticks: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** CPU-seconds used so far by `root` and its live children (a child that has exited takes its time with it). */
export function treeCpuSeconds(root: number): number {
  let ticks = stat(root)?.ticks ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === root) ticks += s.ticks;
  }
  return ticks / 100;
}

/** CPU-seconds this process has used. */
export const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
