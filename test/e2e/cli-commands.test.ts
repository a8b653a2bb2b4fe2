// The built `bootshift` command (lib/cli/main.js, as installed) run as a child process against a real dev
// environment: Temporal dev server, the worker process, simulated hosts. Guests are made to take far longer to boot
// than the test lasts, so the only boot-complete signal a VM gets is the operator's `vm signal-boot`, which must
// show in the history as manual; then every read command, a drain, and the documented exit codes. A second part
// starts and stops an environment with `dev up` / `dev down` themselves.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectDevEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { isRunning } from '../../devenv/processes';
import { waitFor } from '../../devenv/wait';
import type { LedgerSnapshot } from '../../domain';
import type { VmRow } from '../../cli/vm/query';
import type { VmStatusReport } from '../../cli/vm/views';
import type { ProvisionVmInput } from '../../workflows/types';
import { requireBuiltCli, startBuiltCli, type CliRun } from '../helpers/built-cli';
import { bootReports } from '../helpers/history';
import { SIMULATED_IMAGE } from '../helpers/vm-input';

jest.setTimeout(300_000);

type Run = CliRun;

/** Runs the CLI on the state dir under test; `stdout()` shows its output so far. */
const start = (stateDir: string, ...args: string[]) => startBuiltCli(['--state-dir', stateDir, ...args], 120_000);

const bootshift = (stateDir: string, ...args: string[]): Promise<Run> => start(stateDir, ...args).done;

const json = <T>(run: Run): T => {
  expect(run).toMatchObject({ code: 0 });
  return JSON.parse(run.stdout) as T;
};

beforeAll(() => requireBuiltCli());

describe('against a running dev environment', () => {
  let env: DevEnvRecord;
  let connection: Connection;
  let client: Client;
  const cli = (...args: string[]) => bootshift(env.stateDir, ...args);
  const vmId = `vm/cli-e2e/${process.pid}/alpha`;

  beforeAll(async () => {
    env = await startDevEnv({
      stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-cli-e2e-')),
      hypervisor: 'simulated',
      ui: false,
      workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '90000', BOOTSHIFT_SIM_MIGRATE_MS: '2000' },
    });
    ({ client, connection } = await connectDevEnv(env));
  });

  afterAll(async () => {
    await connection?.close();
    if (env) await stopDevEnv(env.stateDir);
  });

  test('vm signal-boot moves a booting VM on, recorded as manual, and vm watch follows it to settled', async () => {
    const input: ProvisionVmInput = {
      vmId,
      spec: { name: 'alpha', vcpus: 1, memoryMiB: 128, image: SIMULATED_IMAGE, bootTimeoutSeconds: 600, waitFor: 'settled', fleet: env.fleet },
    };
    await client.workflow.start('provisionVm', { taskQueue: env.taskQueue, workflowId: vmId, args: [input] });
    let phase: string | undefined;
    await waitFor(
      async () => {
        const run = await cli('vm', 'status', 'alpha', '--json');
        phase = run.code === 0 ? (JSON.parse(run.stdout) as VmStatusReport).phase : `exit ${run.code}`;
        return phase === 'booting';
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `alpha to be booting (last seen: ${phase})` },
    );

    // The watch must have seen the VM booting before the signal moves it on.
    const watching = start(env.stateDir, 'vm', 'watch', 'alpha');
    await waitFor(() => /alpha {2}booting on boot-\d/.test(watching.stdout()), { timeoutMs: 30_000, what: 'vm watch to show alpha booting' });
    const signalled = await cli('vm', 'signal-boot', 'alpha', '--operator', 'e2e-operator');
    expect(signalled).toMatchObject({ code: 0, stdout: `boot complete accepted by VM alpha (${vmId}) on behalf of e2e-operator\n` });

    const watched = await watching.done;
    expect(watched.code).toBe(0);
    // Not a terminal: one plain line per phase change, no escape sequences, then the summary table.
    expect(watched.stdout).not.toMatch(/\u001b/);
    const phases = watched.stdout.split('\n').flatMap((line) => line.match(/^ *\S+ \S+  alpha  (\w+)/)?.slice(1) ?? []);
    // A migration prints a line each time it passes a quarter, each with its own bar.
    expect(phases.filter((phase, i) => phase !== phases[i - 1])).toEqual(['booting', 'migrating', 'settled']);
    expect(watched.stdout).toMatch(/alpha {2}migrating boot-\d -> settle-1 \[[#-]{10}\] \d+%/);
    expect(watched.stdout).toMatch(/\nVM +PHASE +BOOT HOST +SETTLE HOST +BOOT TIME +MIGRATION TIME\nalpha +settled +boot-\d +settle-1 +[\d.]+ m?s +[\d.]+ m?s\n$/);

    const history = await client.workflow.getHandle(vmId).fetchHistory();
    expect(await bootReports(client, history)).toEqual([{ source: 'manual', detail: { via: 'cli', operator: 'e2e-operator' } }]);

    const again = await cli('vm', 'signal-boot', 'alpha');
    expect(again).toMatchObject({ code: 5, stdout: '', stderr: 'bootshift: VM alpha is settled: its provisioning is over\n' });
  });

  test('vm list, vm status and hosts report the VM where it is, as JSON', async () => {
    const rows = json<VmRow[]>(await cli('vm', 'list', '--json'));
    expect(rows).toEqual([expect.objectContaining({ name: 'alpha', phase: 'settled', host: 'settle-1', settleHost: 'settle-1', workflowId: vmId, workflowStatus: 'COMPLETED' })]);
    expect(rows[0]!.bootHost).toMatch(/^boot-\d$/);
    expect(json<VmRow[]>(await cli('vm', 'list', '--phase', 'booting', '--json'))).toEqual([]);

    const byName = json<VmStatusReport>(await cli('vm', 'status', 'alpha', '--json'));
    expect(byName).toMatchObject({ vmId, workflowId: vmId, phase: 'settled', host: 'settle-1', bootSource: 'manual', historyUrl: null });
    expect(byName.durations.bootMs).toBeGreaterThan(0);
    expect(byName.durations.migrateMs).toBeGreaterThanOrEqual(2000);
    expect(json<VmStatusReport>(await cli('vm', 'status', vmId, '--json'))).toEqual(byName);
    const human = await cli('vm', 'status', 'alpha', '--ui-url', 'http://127.0.0.1:8233');
    expect(human.stdout).toContain(`history      http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(vmId)}/${byName.runId}/history`);

    const ledger = json<LedgerSnapshot>(await cli('hosts', '--json'));
    expect(ledger.fleet).toBe('lab');
    expect(ledger.hosts.find((h) => h.name === 'settle-1')).toMatchObject({ pool: 'settle', state: 'active', vms: [vmId], vcpusUsed: 1 });
    expect(ledger.queue).toEqual([]);
  });

  test('host drain marks the host draining in the ledger', async () => {
    expect(await cli('host', 'drain', 'settle-1')).toMatchObject({ code: 0, stdout: 'host settle-1 in fleet lab: draining\n' });
    const ledger = json<LedgerSnapshot>(await cli('hosts', '--json'));
    expect(ledger.hosts.find((h) => h.name === 'settle-1')!.state).toBe('draining');
    expect((await cli('hosts')).stdout).toMatch(/^settle-1 +settle +draining +1 +1\/4 /m);
  });

  test('exit codes: 3 for what does not exist, 2 for bad input, 4 for an unreachable server', async () => {
    expect(await cli('vm', 'status', 'nope')).toMatchObject({ code: 3, stdout: '', stderr: 'bootshift: no VM named "nope"\n' });
    expect(await cli('vm', 'status', 'vm/cli-e2e/none/nope')).toMatchObject({ code: 3 });
    expect(await cli('host', 'drain', 'settle-9')).toMatchObject({ code: 3, stderr: 'bootshift: no host "settle-9" in fleet "lab"\n' });
    expect(await cli('hosts', '--fleet', 'elsewhere')).toMatchObject({ code: 3 });
    expect(await cli('vm', 'list', '--frobnicate')).toMatchObject({ code: 2, stdout: '' });
    expect(await cli('vm', 'list', '--phase', 'done')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^bootshift: --phase: must be one of /) });
    const unreachable = await cli('--address', '127.0.0.1:1', 'vm', 'list');
    expect(unreachable).toMatchObject({ code: 4, stderr: expect.stringMatching(/^bootshift: cannot reach Temporal at 127\.0\.0\.1:1 \(from --address\)/) });
  });
});

describe('dev up / dev down', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bootshift-cli-dev-'));
  const cli = (...args: string[]) => bootshift(stateDir, ...args);

  afterAll(async () => {
    await stopDevEnv(stateDir);
  });

  test('up starts a background environment and returns; status sees it; down stops exactly it', async () => {
    const up = await cli('dev', 'up', '--simulated', '--no-ui', '--boot', '1', '--settle', '1');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/^bootshift dev environment in .+: running\n {2}temporal +127\.0\.0\.1:\d+ \(pid \d+, running\)/);
    expect(up.stdout).toContain(`stop it with: bootshift dev down --state-dir ${stateDir}`);

    const status = json<{ running: boolean; components: Array<{ pid: number }>; env: DevEnvRecord }>(await cli('dev', 'status', '--json'));
    expect(status.running).toBe(true);
    const pids = status.components.map((c) => c.pid);
    expect(pids.every(isRunning)).toBe(true);
    // The other commands find Temporal and the ledger's database through env.json; the worker loaded the fleet from
    // its inventory when it started, so the ledger knows every host before any VM exists.
    const hosts = await cli('hosts');
    expect(hosts).toMatchObject({ code: 0, stderr: '' });
    expect(hosts.stdout).toMatch(/^fleet lab: 2 hosts, 0 VMs, 0 queued for a boot host, 0 leaked/);

    const again = await cli('dev', 'up', '--simulated', '--no-ui');
    expect(again).toMatchObject({ code: 0, stderr: expect.stringContaining('already running') });
    expect(json<{ components: Array<{ pid: number }> }>(await cli('dev', 'status', '--json')).components.map((c) => c.pid)).toEqual(pids);

    expect(await cli('dev', 'down')).toMatchObject({ code: 0, stderr: `stopped the dev environment in ${stateDir}\n` });
    expect(pids.some(isRunning)).toBe(false);
    expect(await cli('dev', 'status')).toMatchObject({ code: 4 });
  });
});
