// The lab's daemons and guests are not our children once daemonized (and nothing here reaps them), so they are
// watched and stopped through /proc by pid, and a pid is trusted only after checking it still is what we started.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { waitFor } from './wait';

/** Running means present and not a zombie: exited lab processes stay as zombies when PID 1 does not reap. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * When the process started (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, what identifies a process
 * for good, since a pid is reused once its process is gone and a command line can be anyone's.
 */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether `pid` is still the process that was started as recorded (same start time), and still running. */
export function isSameProcess(pid: number, startTime: string | undefined): boolean {
  return startTime !== undefined && isRunning(pid) && startTimeOf(pid) === startTime;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** True when the process sees `dir` at `mountPoint`, i.e. it lives in the mount namespace of one lab host. */
export function seesMount(pid: number, mountPoint: string, dir: string): boolean {
  try {
    const theirs = statSync(`/proc/${pid}/root${mountPoint}`);
    const ours = statSync(dir);
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false;
  }
}

/** Live processes (other than this one) whose command line contains `text`. */
export function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .map((pid) => ({ pid, cmdline: commandLine(pid) }))
    .filter(({ pid, cmdline }) => cmdline.includes(text) && isRunning(pid));
}

/** Live processes (other than this one) whose environment has `name=value`: how a program's helpers are found. */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && isRunning(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(wanted);
      } catch {
        return false;
      }
    });
}

/**
 * Sends `name` to each pid (a negative pid is a process group). Any of them may exit between being listed and being
 * signalled, so one that is already gone (ESRCH) is what was wanted, not an error: every kill in the project goes
 * through here.
 */
export function signalProcesses(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** SIGTERM, then SIGKILL for whatever is still there after `graceMs`; resolves once all are gone. */
export async function stopProcesses(pids: number[], graceMs = 15_000): Promise<void> {
  const allGone = (): boolean => !pids.some(isRunning);
  signalProcesses(pids.filter(isRunning), 'SIGTERM');
  try {
    await waitFor(allGone, { timeoutMs: graceMs, intervalMs: 50, what: `pids ${pids.join(' ')} to exit` });
  } catch {
    signalProcesses(pids.filter(isRunning), 'SIGKILL');
    await waitFor(allGone, { timeoutMs: 10_000, intervalMs: 50, what: `pids ${pids.join(' ')} to die after SIGKILL` });
  }
}
