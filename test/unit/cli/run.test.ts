// The command line as a whole, without a server: bad input is rejected with exit code 2 before anything connects,
// help and exit codes are documented, and a missing dev environment is exit code 4.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../../cli/main';

// Nothing these commands do writes files: the directory only keeps them from finding a real .bootshift/dev.
const cwd = mkdtempSync(path.join(tmpdir(), 'bootshift-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function bootshift(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const text = { out: '', err: '' };
  const stream = (key: keyof typeof text) => {
    const s = new PassThrough();
    s.on('data', (chunk) => (text[key] += String(chunk)));
    return s as unknown as NodeJS.WriteStream;
  };
  // An address nothing listens on: a test that got past validation would fail to connect (exit 4), not pass.
  const code = await run(args, { out: stream('out'), err: stream('err'), env: { TEMPORAL_ADDRESS: '127.0.0.1:1', ...env }, cwd });
  return { code, ...text };
}

test('--help documents the commands and the exit codes, on stdout, exit 0', async () => {
  const { code, out } = await bootshift(['--help']);
  expect(code).toBe(0);
  for (const command of ['dev', 'vm', 'hosts', 'host']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
  expect(out).toContain('Exit codes:\n  0  ok');
  expect(out).toContain('  5  the operation was refused');
});

test.each([
  [['vm', 'list', '--frobnicate'], /unknown option '--frobnicate'/],
  [['vm', 'lst'], /unknown command 'lst'/],
  [['vm', 'status'], /missing required argument 'vm'/],
  [['vm', 'list', '--phase', 'done'], /^bootshift: --phase: must be one of placing, booting, migrating, settled, unsettled, failed, decommissioned\n$/],
  [['vm', 'status', 'Not A Name'], /^bootshift: NAME\|WORKFLOW_ID: "Not A Name" is neither/],
  [['vm', 'watch', 'web', '--until', 'forever'], /^bootshift: --until: must be one of settled, booted\n$/],
  [['vm', 'signal-boot', 'web', '--operator', ''], /^bootshift: --operator: must be 1-100 printable characters\n$/],
  [['host', 'drain', 'Settle_1'], /^bootshift: NAME: must be 1-63 characters/],
  [['hosts', '--fleet', 'x y'], /^bootshift: --fleet: must be 1-63 characters/],
  [['dev', 'up', '--boot', '0'], /^bootshift: --boot: must be an integer from 1 to 16\n$/],
])('%j is a usage error (exit 2) naming what is wrong', async (args, message) => {
  const { code, out, err } = await bootshift(args);
  expect(code).toBe(2);
  expect(err).toMatch(message);
  expect(out).toBe('');
});

test('an invalid environment variable is a usage error naming the variable', async () => {
  const { code, err } = await bootshift(['vm', 'list'], { TEMPORAL_ADDRESS: 'localhost' });
  expect([code, err]).toEqual([2, 'bootshift: TEMPORAL_ADDRESS: must be host:port\n']);
});

test('dev status with nothing started is exit 4; dev down with nothing started is fine', async () => {
  const status = await bootshift(['dev', 'status']);
  expect(status.code).toBe(4);
  expect(status.err).toMatch(/^bootshift: no dev environment recorded in .*\.bootshift\/dev \(start one with `bootshift dev up`\)\n$/);
  const down = await bootshift(['dev', 'down', '--state-dir', 'elsewhere']);
  expect(down.code).toBe(0);
  expect(down.err).toMatch(/elsewhere; nothing to stop/);
});
