// bootshift as a team adopts it: packed with `npm pack`, installed into a fresh Pulumi TypeScript project in a
// directory of its own outside this repository, and used exactly as README's "Use it from your infrastructure repo"
// says: `bootshift dev up` from the installed package, `eval "$(bootshift dev env)"`, `pulumi up`, the outputs, then
// `pulumi destroy` and `bootshift dev down`. The package must ship what a user needs and nothing else.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPulumi, type RunPulumiOptions } from '../../devenv/pulumi-cli';
import { repoRoot } from '../../devenv/tools';

jest.setTimeout(1_800_000);

const work = mkdtempSync(path.join(tmpdir(), 'bootshift-outside-'));
const project = path.join(work, 'infra');
let devUp = false;

afterAll(async () => {
  if (devUp) await cli(['dev', 'down']);
  rmSync(work, { recursive: true, force: true });
});

/** A command run the way a user would from the project directory; resolves with its exit code and output. */
function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? project, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The installed package's CLI, as `npx bootshift` runs it. */
const cli = (args: string[]) => run(path.join(project, 'node_modules', '.bin', 'bootshift'), args);

function succeeded(what: string, r: { code: number; stdout: string; stderr: string }) {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

test('packed, installed in a fresh Pulumi project outside the repo, bootshift brings a VM up and down', async () => {
  // 1. The package: what a user needs (compiled code, the scripts the dev environment runs), not tests or benchmarks.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot(), encoding: 'utf8' })) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const files = packed[0]!.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['lib/pulumi/index.js', 'lib/cli/main.js', 'lib/worker/main.js', 'lib/ledger/migrations.js', 'devenv/libvirtd-in-namespace', 'README.md']));
  expect(files.filter((f) => /^(test|bench|lab|simulator|\.ci|examples\/quickstart\/node_modules)\//.test(f) || f.endsWith('.test.js'))).toEqual([]);
  expect(files.filter((f) => f.includes('replay/histories'))).toEqual([]);
  process.stdout.write(`npm pack: ${files.length} files\n`);

  // 2. A fresh Pulumi TypeScript project, as `pulumi new typescript` would make it, with bootshift installed.
  const own = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(path.join(project, 'Pulumi.yaml'), 'name: infra\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n');
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'infra',
      private: true,
      main: 'index.ts',
      dependencies: { '@pulumi/pulumi': own.dependencies['@pulumi/pulumi'] },
      devDependencies: { typescript: own.devDependencies.typescript, '@types/node': own.devDependencies['@types/node'] },
    }),
  );
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, skipLibCheck: true }, files: ['index.ts'] }),
  );
  writeFileSync(
    path.join(project, 'index.ts'),
    [
      "import * as pulumi from '@pulumi/pulumi';",
      "import { VirtualMachine } from 'bootshift';",
      '',
      'const config = new pulumi.Config();',
      "const web = new VirtualMachine('web', {",
      '  vcpus: 1,',
      '  memoryMiB: 128,',
      "  image: { kind: 'kernel', kernel: config.require('kernel'), initrd: config.require('initrd') },",
      '});',
      'export const bootHost = web.bootHost;',
      'export const host = web.host;',
      'export const phase = web.phase;',
      '',
    ].join('\n'),
  );
  succeeded('npm install', await run('npm', ['install', '--save', path.join(work, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund']));

  // 3. The README's steps: the dev environment from the installed package, its settings into the shell, pulumi up.
  const up = succeeded('bootshift dev up', await cli(['dev', 'up', '--simulated', '--no-ui']));
  devUp = true;
  expect(up.stdout).toMatch(/export TEMPORAL_ADDRESS='127\.0\.0\.1:\d+'/);
  const exports = succeeded('bootshift dev env', await cli(['dev', 'env']));
  // What `eval "$(bootshift dev env)"` leaves in the shell.
  const shell = succeeded('eval', await run('bash', ['-c', `eval "$1" && env -0`, 'eval', exports.stdout]));
  const fromShell = Object.fromEntries(shell.stdout.split('\0').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const extraEnv = Object.fromEntries(Object.entries(fromShell).filter(([k]) => k.startsWith('TEMPORAL_') || k.startsWith('BOOTSHIFT_')));
  expect(Object.keys(extraEnv).sort()).toEqual(
    ['BOOTSHIFT_CODEC_KEY_FILE', 'BOOTSHIFT_DATABASE_URL', 'BOOTSHIFT_FLEET', 'BOOTSHIFT_TASK_QUEUE', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'].sort(),
  );

  const opts: RunPulumiOptions = { cwd: project, stateDir: path.join(work, 'pulumi'), passphrase: 'outside', extraEnv };
  const pulumi = async (...args: string[]) => succeeded(`pulumi ${args.join(' ')}`, await runPulumi([...args, '--non-interactive'], opts));
  await pulumi('stack', 'init', 'dev');
  // The simulated fleet boots nothing; its inventory allows kernel paths under /sim.
  await pulumi('config', 'set', 'kernel', '/sim/vmlinuz');
  await pulumi('config', 'set', 'initrd', '/sim/initrd.img');
  await pulumi('up', '--yes', '--skip-preview');
  const outputs = JSON.parse((await pulumi('stack', 'output', '--json')).stdout) as Record<string, string>;
  expect(outputs).toEqual({ bootHost: expect.stringMatching(/^boot-\d$/), host: 'settle-1', phase: 'settled' });

  // The same settings drive the CLI: the VM is on the settle host in the ledger.
  const hosts = succeeded('bootshift hosts', await cli(['hosts', '--json']));
  const settle = (JSON.parse(hosts.stdout) as { hosts: Array<{ name: string; vms: string[] }> }).hosts.find((h) => h.name === 'settle-1')!;
  expect(settle.vms).toEqual(['vm/infra/dev/web']);

  await pulumi('destroy', '--yes', '--skip-preview');
  expect(JSON.parse((await pulumi('stack', 'output', '--json')).stdout)).toEqual({});
  const after = JSON.parse(succeeded('bootshift hosts', await cli(['hosts', '--json'])).stdout) as { counts: { vms: number } };
  expect(after.counts.vms).toBe(0);
  await pulumi('stack', 'rm', '--yes');
});
