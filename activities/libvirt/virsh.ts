// The one place bootshift runs virsh: execFile with an argument array (no shell ever sees a name or URI), a timeout
// and an output bound on every call, and the C locale so errors.ts can recognise libvirt's messages.
import { execFile } from 'node:child_process';

export interface VirshCall {
  uri: string;
  args: string[];
  timeoutMs?: number;
}

export interface VirshResult {
  stdout: string;
  stderr: string;
}

/** Runs one virsh command; rejects with a VirshFailure. Injectable so the adapter's logic is testable without virsh. */
export type VirshRunner = (call: VirshCall) => Promise<VirshResult>;

export class VirshFailure extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(`virsh ${args.join(' ')}: ${timedOut ? 'timed out' : stderr.trim() || 'failed'}`);
    this.name = 'VirshFailure';
  }
}

export interface VirshOptions {
  binary?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export function execVirsh(opts: VirshOptions = {}): VirshRunner {
  const binary = opts.binary ?? 'virsh';
  return ({ uri, args, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const argv = ['-c', uri, ...args];
      const options = {
        encoding: 'utf8' as const,
        timeout: timeoutMs ?? opts.timeoutMs ?? 120_000,
        maxBuffer: opts.maxOutputBytes ?? 8 * 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      };
      execFile(binary, argv, options, (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const timedOut = error.killed === true && error.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
        const missing = error.code === 'ENOENT' ? `${binary} not found (install libvirt-clients)` : undefined;
        const detail = stderr.trim() || missing || error.message;
        reject(new VirshFailure(args, detail, timedOut));
      });
    });
}
