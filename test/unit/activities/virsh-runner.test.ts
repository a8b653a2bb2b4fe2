// The runner is the adapter's only contact with processes: these tests use a stand-in executable to show that
// arguments reach virsh verbatim (no shell), that failures carry stderr, and that the deadline is enforced.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execVirsh, VirshFailure } from '../../../activities/libvirt/virsh';

let dir: string;
let fake: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'virsh-runner-'));
  fake = path.join(dir, 'virsh');
  // Prints each argument on its own line, the locale, and fails or hangs on request.
  writeFileSync(
    fake,
    [
      '#!/bin/sh',
      'for arg in "$@"; do echo "arg:$arg"; done',
      'echo "lang:$LC_ALL"',
      'case "$3" in',
      '  fail) echo "error: failed to get domain \'x\'" >&2; exit 1 ;;',
      '  hang) exec sleep 30 ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(fake, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('execVirsh', () => {
  it('passes the URI and every argument as one argv element each, in the C locale', async () => {
    const hostile = `vm; rm -rf / $(id) "quoted" 'single'`;
    const { stdout } = await execVirsh({ binary: fake })({ uri: 'qemu:///system', args: ['dominfo', hostile] });
    expect(stdout.split('\n')).toEqual(['arg:-c', 'arg:qemu:///system', 'arg:dominfo', `arg:${hostile}`, 'lang:C', '']);
  });

  it('rejects with a VirshFailure carrying stderr', async () => {
    const failure = await execVirsh({ binary: fake })({ uri: 'qemu:///system', args: ['fail'] }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(VirshFailure);
    expect(failure).toMatchObject({ stderr: "error: failed to get domain 'x'", timedOut: false, args: ['fail'] });
  });

  it('kills a call that outlives its deadline and says it timed out', async () => {
    const started = Date.now();
    const failure = await execVirsh({ binary: fake })({ uri: 'qemu:///system', args: ['hang'], timeoutMs: 200 }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ timedOut: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names the missing package when virsh is not installed', async () => {
    const failure = await execVirsh({ binary: path.join(dir, 'nope') })({ uri: 'qemu:///system', args: ['list'] }).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(/not found \(install libvirt-clients\)/);
  });
});
