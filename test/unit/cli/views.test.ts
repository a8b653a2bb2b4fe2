// What people read: the status page, the hosts table, the VM list, the summary table and the dev environment.
import { spawnSync } from 'node:child_process';
import type { LedgerSnapshot } from '../../../domain';
import { clientEnv, type DevEnvRecord } from '../../../devenv/dev-env';
import { devEnvHealth, pulumiConfigLines, renderDevEnv, shellExports } from '../../../cli/dev';
import { renderHosts, vcpuColumn } from '../../../cli/hosts';
import { summaryTable } from '../../../cli/vm/views';
import { renderVmList } from '../../../cli/vm/views';
import { historyUrl, renderVmStatus, statusReport } from '../../../cli/vm/views';
import { vmStatus } from './fixtures';

const ref = { workflowId: 'vm/proj/dev/web', runId: 'r-1' };

test('the history link escapes the workflow id; no UI address, no link', () => {
  expect(historyUrl('http://127.0.0.1:8233', 'default', ref)).toBe('http://127.0.0.1:8233/namespaces/default/workflows/vm%2Fproj%2Fdev%2Fweb/r-1/history');
  expect(historyUrl(null, 'default', ref)).toBeNull();
});

test('a status report is the workflow status plus durations and link, and renders one fact per line', () => {
  const migrating = vmStatus('web', 'migrating', { migrationAttempts: [{ host: 'settle-2', error: 'connection refused' }] });
  const report = statusReport(migrating, ref, { uiUrl: 'http://ui', namespace: 'default' });
  expect(report).toMatchObject({ ...migrating, ...ref, durations: { queuedMs: 200, bootMs: 1200, migrateMs: null } });
  const text = renderVmStatus(report);
  expect(text).toContain('phase        migrating to settle-1: 40% (attempt 1)');
  expect(text).toContain('boot         1.2 s (boot complete from guest)');
  expect(text).toContain('attempts     settle-2: connection refused');
  expect(text).toContain('history      http://ui/namespaces/default/workflows/vm%2Fproj%2Fdev%2Fweb/r-1/history');
  expect(text).not.toContain('left behind');
});

test('a failed VM shows its error and what its clean-up left behind', () => {
  const failed = vmStatus('web', 'failed', { leftovers: ['destroy on boot-1'] });
  const text = renderVmStatus(statusReport(failed, ref, { uiUrl: null, namespace: 'default' }));
  expect(text).toContain('error        no boot host for VM: fleet is empty');
  expect(text).toContain('left behind  destroy on boot-1');
  expect(text).toContain('history      - (Temporal UI address unknown');
});

const snapshot: LedgerSnapshot = {
  fleet: 'lab',
  policy: { cpuAllocationRatio: 4, bootVcpusWithinCpus: true } as LedgerSnapshot['policy'],
  hosts: [
    { name: 'boot-1', pool: 'boot', state: 'active', cpus: 2, memoryMiB: 1024, cpuAllocationRatio: null, vms: ['vm/p/d/a'], vcpusUsed: 1, memoryUsedMiB: 128, freeVcpus: 1, freeVmSlots: 1, freeMemoryMiB: 896 },
    { name: 'settle-1', pool: 'settle', state: 'draining', cpus: 1, memoryMiB: 1024, cpuAllocationRatio: 4, vms: [], vcpusUsed: 0, memoryUsedMiB: 0, freeVcpus: null, freeVmSlots: null, freeMemoryMiB: 1024 },
  ],
  queue: [{ position: 1, reservationId: 'boot:vm/p/d/b', vmId: 'vm/p/d/b', vcpus: 2, memoryMiB: 256 }],
  leaked: [],
  counts: { hosts: 2, vms: 2, bootReserved: 1, settleReserved: 0, committed: 0, queued: 1, leaked: 0 },
};

test('hosts: one row per host with vCPUs used/capacity, then the boot queue in order, then leaked capacity', () => {
  expect(vcpuColumn(snapshot.hosts[0]!)).toBe('1/2');
  expect(vcpuColumn(snapshot.hosts[1]!)).toBe('0/-');
  expect(renderHosts(snapshot).split('\n')).toEqual([
    'fleet lab: 2 hosts, 2 VMs, 1 queued for a boot host, 0 leaked',
    '',
    'HOST      POOL    STATE     VMS  VCPUS  FREE MEMORY  VM IDS',
    'boot-1    boot    active    1    1/2    896 MiB      vm/p/d/a',
    'settle-1  settle  draining  0    0/-    1024 MiB     -',
    '',
    'boot queue:',
    'POS  VM        VCPUS  MEMORY   RESERVATION',
    '1    vm/p/d/b  2      256 MiB  boot:vm/p/d/b',
    '',
    'leaked: none',
  ]);
  expect(renderHosts({ ...snapshot, queue: [] })).toMatch(/\nboot queue: empty\n/);
  const leaked = { reservationId: 'r1', vmId: 'vm/p/d/a', host: 'boot-1', vcpus: 1, memoryMiB: 128, reason: 'destroy failed', since: '2026-01-01T00:00:00.000Z' };
  expect(renderHosts({ ...snapshot, leaked: [leaked] }).split('\n').slice(-2)).toEqual([
    'VM        HOST    VCPUS  MEMORY   SINCE                     REASON',
    'vm/p/d/a  boot-1  1      128 MiB  2026-01-01T00:00:00.000Z  destroy failed',
  ]);
});

test('the summary table compares boot and migration times per VM', () => {
  expect(summaryTable([vmStatus('a', 'settled'), vmStatus('b', 'unsettled')]).split('\n')).toEqual([
    'VM  PHASE      BOOT HOST  SETTLE HOST  BOOT TIME  MIGRATION TIME',
    'a   settled    boot-1     settle-1     1.2 s      1.1 s',
    'b   unsettled  boot-1     -            1.2 s      -',
  ]);
});

test('the VM list shows visibility rows, and says so when there are none', () => {
  const row = { name: 'web', phase: 'booting' as const, host: 'boot-1', bootHost: 'boot-1', settleHost: null, workflowId: 'vm/p/d/web', runId: 'r', workflowStatus: 'RUNNING', startTime: '2025-01-01T00:00:00.123Z', closeTime: null };
  expect(renderVmList([row]).split('\n')[1]).toBe('web   booting  boot-1  boot-1     -            2025-01-01T00:00:00Z  running   vm/p/d/web');
  expect(renderVmList([])).toBe('no VM workflows found');
});

test('the dev environment is running only if every recorded process is still ours', () => {
  const record = {
    stateDir: '/s',
    taskQueue: 'bootshift',
    fleet: 'lab',
    inventoryFile: '/s/inventory.yaml',
    consoleDir: '/s/consoles',
    labDir: null,
    temporal: { address: '127.0.0.1:7233', uiUrl: null, pid: 10, startTime: '1234', binary: '/bin/temporal', ports: { grpc: 7233, ui: 0, http: 0, metrics: 0 } },
    worker: { pid: 20, startTime: '5678', gatewayUrl: 'http://127.0.0.1:8787', gatewayPort: 8787, logFile: '/s/worker.log' },
    ledger: { databaseUrl: 'postgresql://bootshift@/bootshift?host=%2Fs%2Fpostgres%2Fsocket', dataDir: '/s/postgres', pid: 30, startTime: '9' },
    codecKeyFile: "/s/it's/codec-keys.json",
    metrics: { endpoint: 'http://127.0.0.1:9464/metrics', prometheus: { url: 'http://127.0.0.1:9090', pid: 40, startTime: '7', dir: '/s/prometheus' } },
  } as DevEnvRecord;
  const alive = devEnvHealth(record, () => true);
  expect(alive.running).toBe(true);
  // The worker's pid now belongs to a process started at another time: not ours any more.
  const workerGone = devEnvHealth(
    record,
    (pid, startTime) => (pid === 10 && startTime === '1234') || (pid === 30 && startTime === '9') || (pid === 40 && startTime === '7'),
  );
  expect(workerGone).toEqual({
    running: false,
    components: [
      { name: 'temporal', pid: 10, running: true },
      { name: 'postgres', pid: 30, running: true },
      { name: 'worker', pid: 20, running: false },
      { name: 'prometheus', pid: 40, running: true },
    ],
  });
  const text = renderDevEnv(record, workerGone);
  expect(text).toMatch(/^bootshift dev environment in \/s: NOT running\n/);
  expect(text).toContain('  worker       task queue bootshift (pid 20, NOT running)');
  expect(text).toContain('  web ui       - (started with --no-ui)');
  expect(text).toContain('  temporal log /s/temporal.log');
  expect(text).toContain('  ledger       postgresql://bootshift@/bootshift?host=%2Fs%2Fpostgres%2Fsocket (pid 30, running)');
  expect(text).toContain('  metrics      http://127.0.0.1:9464/metrics');
  expect(text).toContain('  prometheus   http://127.0.0.1:9090 (pid 40, running)');
  expect(renderDevEnv({ ...record, metrics: null }, devEnvHealth({ ...record, metrics: null }, () => true))).toContain('  metrics      - (off)');
});

test('dev env prints what an outside project needs: shell exports safe to eval, or pulumi config set lines', () => {
  const record = {
    taskQueue: 'bootshift',
    fleet: 'lab',
    temporal: { address: '127.0.0.1:41000', uiUrl: 'http://127.0.0.1:41001' },
    ledger: { databaseUrl: 'postgresql://bootshift@/bootshift?host=%2Fs' },
    codecKeyFile: "/s/it's/codec-keys.json",
  } as DevEnvRecord;
  expect(shellExports(clientEnv(record)).split('\n')).toEqual([
    "export TEMPORAL_ADDRESS='127.0.0.1:41000'",
    "export TEMPORAL_NAMESPACE='default'",
    "export BOOTSHIFT_TASK_QUEUE='bootshift'",
    "export BOOTSHIFT_FLEET='lab'",
    "export BOOTSHIFT_CODEC_KEY_FILE='/s/it'\\''s/codec-keys.json'",
    "export BOOTSHIFT_DATABASE_URL='postgresql://bootshift@/bootshift?host=%2Fs'",
    "export BOOTSHIFT_TEMPORAL_UI='http://127.0.0.1:41001'",
  ]);
  // What eval makes of them in a real shell is the values themselves, quote and all.
  const evaluated = spawnSync('bash', ['-c', `${shellExports(clientEnv(record))}\nprintf '%s' "$BOOTSHIFT_CODEC_KEY_FILE"`], { encoding: 'utf8' });
  expect(evaluated.stdout).toBe("/s/it's/codec-keys.json");
  expect(pulumiConfigLines(record).split('\n')).toEqual([
    "pulumi config set bootshift:temporalAddress '127.0.0.1:41000'",
    "pulumi config set bootshift:namespace 'default'",
    "pulumi config set bootshift:taskQueue 'bootshift'",
    "pulumi config set bootshift:fleet 'lab'",
    "pulumi config set bootshift:temporalUiUrl 'http://127.0.0.1:41001'",
    `pulumi config set --secret bootshift:codecKeys -- "$(cat '/s/it'\\''s/codec-keys.json')"`,
  ]);
});

test("a pid reused by another process is not taken for the dev environment's, whatever its command line", () => {
  const { startTimeOf, isSameProcess } = jest.requireActual<typeof import('../../../devenv/processes')>('../../../devenv/processes');
  const mine = startTimeOf(process.pid);
  expect(mine).toMatch(/^\d+$/);
  expect(isSameProcess(process.pid, mine)).toBe(true);
  expect(isSameProcess(process.pid, String(Number(mine) + 1))).toBe(false);
  expect(isSameProcess(process.pid, undefined)).toBe(false);
});
