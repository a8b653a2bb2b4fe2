// The README's first command, in its CI form: `npm start -- --once` runs the main job end to end on the embedded
// environment (real Temporal with its UI, lab hosts, worker, Pulumi) and tears everything down afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { processesMentioning } from '../../devenv/processes';
import { readDevEnv } from '../../devenv/dev-env';
import { repoRoot } from '../../devenv/tools';

jest.setTimeout(1_800_000);

test('npm start -- --once: three VMs settle on the dense host, the summary and the UI link are printed, nothing is left running', async () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-main-'));
  const child = spawn('npm', ['start', '--silent', '--', '--once', '--state-dir', stateDir], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  process.stdout.write(`main job output:\n${out}\n${err.split('\n').filter((l) => l.startsWith('==>')).join('\n')}\n`);
  expect({ code, tail: code === 0 ? '' : `${out}\n${err}`.slice(-4000) }).toEqual({ code: 0, tail: '' });

  for (const vm of ['web', 'api', 'jobs']) expect(out).toMatch(new RegExp(`${vm}\\s.*settled\\s.*boot-[12]\\s.*settle-1`));
  expect(out).toMatch(/in-flight migrations: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\?query=VmPhase%3D%22migrating%22/);
  // It really ran in the state dir given, and left nothing behind there.
  expect(err).toContain(`the worker in ${stateDir}`);
  expect(readDevEnv(stateDir)).toBeUndefined();
  expect(processesMentioning(stateDir)).toEqual([]);
});
