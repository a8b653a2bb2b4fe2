// Test images and call recording for storage tests: a small file with a valid qcow2 header (no qemu-img needed), and a
// hypervisor wrapper that records every call with its arguments, in order, before passing it on.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hypervisor } from '../../activities/hypervisor';

export const GiB = 1024 ** 3;

/** A private temporary directory (an imageDirs entry for the inventory). */
export function tempDir(prefix = 'bootshift-test-images-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Writes a qcow2 file: magic 0x514649fb at 0, the virtual size (big-endian u64) at 24, then `fill` bytes up to
 * `fileBytes`, so that two files of one size can still differ in content. Returns the path and the file's sha256.
 */
export function writeQcow2(dir: string, name: string, opts: { virtualBytes: number; fileBytes?: number; fill?: number }): { file: string; sha256: string } {
  const size = opts.fileBytes ?? 65_536 + 512;
  // The simulated hypervisor gives a freshly created qcow2 volume 196,616 bytes: a base of that size would look
  // complete before its upload.
  if (size === 196_616) throw new Error('pick another test image size: 196616 is what a fresh simulated qcow2 volume has');
  const data = Buffer.alloc(size, opts.fill ?? 0xab);
  data.writeUInt32BE(0x514649fb, 0);
  data.writeBigUInt64BE(BigInt(opts.virtualBytes), 24);
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return { file, sha256: createHash('sha256').update(data).digest('hex') };
}

export interface RecordedCall {
  op: keyof Hypervisor;
  args: unknown[];
  /** The host's inventory name, when the first argument is a HostRef. */
  host?: string;
}

/**
 * The hypervisor, with every call recorded (before it runs, so concurrent calls are seen in the order they were
 * made). The other methods of `hv` (e.g. a simulated hypervisor's knobs) pass through unchanged.
 */
export function recording<H extends Hypervisor>(hv: H): { hypervisor: H; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const hypervisor = new Proxy(hv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const first = args[0] as { name?: unknown; uri?: unknown } | undefined;
        const host = first && typeof first === 'object' && typeof first.uri === 'string' ? String(first.name) : undefined;
        calls.push({ op: prop as keyof Hypervisor, args, ...(host !== undefined && { host }) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { hypervisor, calls };
}

/** The recorded calls of one operation whose argument at `index` is `value` (e.g. uploads of one volume name). */
export function callsOf(calls: RecordedCall[], op: keyof Hypervisor, where: { host?: string; arg?: [number, unknown] } = {}): RecordedCall[] {
  return calls.filter((c) => c.op === op && (where.host === undefined || c.host === where.host) && (where.arg === undefined || c.args[where.arg[0]] === where.arg[1]));
}
