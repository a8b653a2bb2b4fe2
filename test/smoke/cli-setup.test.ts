// `bootshift setup` (the built CLI) against a real Temporal dev server, as an operator runs it on an existing cluster:
// fresh namespaces stand for a cluster bootshift has never seen (the dev server's own namespace was already prepared
// by the same code when it started). Setup adds every search attribute once and nothing the second time; a missing
// namespace, an attribute of another type and a task queue nobody polls are each reported by name and exit code.
import { Worker } from '@temporalio/worker';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../../devenv/wait';
import type { SetupReport } from '../../cli/setup';
import { searchAttributeKeys } from '../../workflows/messages';
import { requireBuiltCli, runBuiltCli } from '../helpers/built-cli';
import { startTemporalEnv, uniqueId, type TemporalEnv } from '../helpers/temporal-env';
import * as activities from './hello-activities';

jest.setTimeout(300_000);

const { IndexedValueType } = temporal.api.enums.v1;
const NAMES = searchAttributeKeys.map((k) => k.name);

let env: TemporalEnv;

beforeAll(async () => {
  requireBuiltCli();
  env = await startTemporalEnv();
});

afterAll(async () => {
  await env?.close();
});

const setup = (...args: string[]) => runBuiltCli(['--address', env.server.address, 'setup', ...args]);

async function freshNamespace(): Promise<string> {
  const namespace = uniqueId('setup');
  await env.client.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  return namespace;
}

async function customAttributes(namespace: string): Promise<Record<string, number>> {
  return (await env.client.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
}

test('run twice on a fresh namespace: the first run adds every search attribute as Keyword, the second adds nothing', async () => {
  const namespace = await freshNamespace();
  expect(Object.keys(await customAttributes(namespace))).toEqual(expect.not.arrayContaining([NAMES[0]]));

  const first = await setup('--namespace', namespace, '--json');
  expect(first).toMatchObject({ code: 0 });
  expect((JSON.parse(first.stdout) as SetupReport).searchAttributes).toEqual({ added: NAMES, present: [] });

  const second = await setup('--namespace', namespace);
  expect(second.code).toBe(0);
  expect(second.stdout).toBe(
    `namespace ${namespace} on ${env.server.address}: exists\n` +
      `search attributes: already present: ${NAMES.join(', ')}\n` +
      'task queue bootshift: no pollers\n',
  );

  const listed = await customAttributes(namespace);
  expect(Object.fromEntries(NAMES.map((n) => [n, listed[n]]))).toEqual(Object.fromEntries(NAMES.map((n) => [n, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])));
});

test('a namespace that does not exist: exit 3, naming it and the server', async () => {
  const run = await setup('--namespace', 'no-such-namespace');
  expect(run).toMatchObject({ code: 3, stdout: '' });
  expect(run.stderr).toMatch(new RegExp(`^bootshift: namespace "no-such-namespace" does not exist on ${env.server.address.replace(/\./g, '\\.')} \\(from --address\\)`));
});

test('a search attribute that exists with another type: exit 8, naming it and both types', async () => {
  const namespace = await freshNamespace();
  await env.client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { VmPhase: IndexedValueType.INDEXED_VALUE_TYPE_TEXT } });
  const run = await setup('--namespace', namespace);
  expect(run).toMatchObject({ code: 8, stdout: '' });
  expect(run.stderr).toBe(`bootshift: namespace "${namespace}" has VmPhase as TEXT; bootshift needs VmPhase as KEYWORD (remove the attribute or use another namespace)\n`);
  // Nothing was added next to the conflict: the namespace is left as it was found.
  expect(Object.keys(await customAttributes(namespace))).not.toContain('VmName');
});

test('a task queue nobody polls is a warning, or exit 8 with --require-pollers; a running worker is reported', async () => {
  const taskQueue = uniqueId('setup-queue');
  const idle = await setup('--task-queue', taskQueue);
  expect(idle).toMatchObject({ code: 0, stderr: expect.stringContaining(`bootshift: warning: no worker polls task queue "${taskQueue}" in namespace "default"`) });
  expect(idle.stdout).toContain(`task queue ${taskQueue}: no pollers\n`);
  const required = await setup('--task-queue', taskQueue, '--require-pollers');
  expect(required).toMatchObject({ code: 8, stderr: `bootshift: no worker polls task queue "${taskQueue}" in namespace "default"\n` });

  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./hello-workflow'),
    activities,
    identity: 'setup-smoke-worker',
  });
  await worker.runUntil(async () => {
    let report: SetupReport | undefined;
    await waitFor(
      async () => {
        const run = await setup('--task-queue', taskQueue, '--require-pollers', '--json');
        report = run.code === 0 ? (JSON.parse(run.stdout) as SetupReport) : undefined;
        return report !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `setup to see the worker polling ${taskQueue}` },
    );
    expect(report!.taskQueue.workflowPollers.map((p) => p.identity)).toContain('setup-smoke-worker');
    expect(report!.taskQueue.activityPollers.map((p) => p.identity)).toContain('setup-smoke-worker');
  });
});
