// libvirt's own account of what happened to the domains of a host, read passively: `virsh event --all --loop`, kept
// running for the whole benchmark, stamped with the time each line arrived. Two kinds are used:
// - job-completed: the statistics a migration job ends with on its source (time elapsed, downtime, memory and disk
//   bytes), for bootshift's migrations and plain virsh ones alike (bootshift's own migrateDiskMiB comes from polling
//   domjobinfo while the job runs);
// - agent-lifecycle: the QEMU guest agent connected to its channel in the guest, i.e. the agent is up, seen without
//   sending the agent anything (so the worker's own polling of it is not disturbed).
import { spawn } from 'node:child_process';

export interface DomainEvent {
  type: string;
  domain: string;
  /** when the line arrived, epoch ms */
  at: number;
  /** the rest of the header line, e.g. "state: 'connected' reason: 'channel event'" */
  detail: string;
  /** numeric parameters on the following lines (job-completed: time_elapsed in ms, disk_processed in bytes, …) */
  stats: Record<string, number>;
}

export interface DomainEventWatcher {
  /** Events of a domain seen so far, oldest first, optionally of one type. */
  of(domain: string, type?: string): DomainEvent[];
  /** Waits (up to timeoutMs) for the domain's nth event of the type (1-based); undefined if it does not come. */
  waitFor(domain: string, type: string, nth: number, timeoutMs: number): Promise<DomainEvent | undefined>;
  stop(): Promise<void>;
}

const HEADER = /^event '([a-z-]+)' for domain '([^']+)':?\s*(.*)$/;

/** Folds virsh event output, line by line, into events. */
export function eventParser(): { line(text: string, at: number): void; flush(): DomainEvent[] } {
  const done: DomainEvent[] = [];
  let current: DomainEvent | undefined;
  return {
    line(text, at) {
      const header = HEADER.exec(text.trim());
      if (header) {
        if (current) done.push(current);
        current = { type: header[1] as string, domain: header[2] as string, at, detail: header[3] ?? '', stats: {} };
        return;
      }
      const param = /^\s+([a-z_]+): (-?\d+)\s*$/.exec(text);
      if (param && current) current.stats[param[1] as string] = Number(param[2]);
    },
    flush() {
      if (current) done.push(current);
      current = undefined;
      return done.splice(0);
    },
  };
}

export function watchDomainEvents(uri: string): DomainEventWatcher {
  const events: DomainEvent[] = [];
  const parser = eventParser();
  let partial = '';
  // Line-buffered, so each event arrives when it happens rather than when virsh exits.
  const child = spawn('stdbuf', ['-oL', 'virsh', '-c', uri, 'event', '--all', '--loop'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // virsh marks no event's end: the last one is complete once the output has been quiet for a moment.
  let quiet: NodeJS.Timeout | undefined;
  const flush = () => events.push(...parser.flush());
  child.stdout.on('data', (chunk: Buffer) => {
    const at = Date.now();
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) parser.line(line, at);
    clearTimeout(quiet);
    quiet = setTimeout(flush, 300);
  });
  const of = (domain: string, type?: string) => events.filter((e) => e.domain === domain && (type === undefined || e.type === type));
  return {
    of,
    async waitFor(domain, type, nth, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (of(domain, type).length < nth && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      return of(domain, type)[nth - 1];
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      clearTimeout(quiet);
      if (partial) parser.line(partial, Date.now());
      flush();
    },
  };
}
