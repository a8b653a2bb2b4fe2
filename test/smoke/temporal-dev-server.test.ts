// Proves the Temporal part is real: the dev server built from Go modules starts through lab/temporal, a worker runs a
// workflow with one activity on it, and the history can be fetched back from the server.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { isRunning as isAlive } from '../../devenv/processes';
import { startDevServer, type DevServer } from '../../devenv/temporal-dev-server';
import { toolPath } from '../../devenv/tools';
import * as activities from './hello-activities';
import { helloWorkflow } from './hello-workflow';
import { eventTypeNames } from '../helpers/history';
import { installQuietRuntime } from '../helpers/quiet-runtime';

jest.setTimeout(240_000);

let server: DevServer;

beforeAll(async () => {
  installQuietRuntime();
  server = await startDevServer();
  // Shown in the test output on purpose: which binary the server came from.
  process.stdout.write(`temporal dev server ${server.version} from ${server.binary} on ${server.address} (pid ${server.pid})\n`);
});

afterAll(async () => {
  await server?.stop();
});

test('the server was started from the locally built Temporal CLI', () => {
  expect(server.binary).toBe(toolPath('temporal'));
  expect(server.version).toMatch(/^1\.5\.1 /);
});

test('a workflow with one activity completes and its history can be fetched', async () => {
  const taskQueue = `smoke-${randomUUID()}`;
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('./hello-workflow'),
    activities,
  });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const workflowId = `smoke-${randomUUID()}`;
  try {
    const result = await worker.runUntil(
      client.workflow.execute(helloWorkflow, { taskQueue, workflowId, args: [{ name: 'bootshift' }] }),
    );
    expect(result.greeting).toBe(`hello bootshift from pid ${process.pid}`);
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const types = eventTypeNames(history);
    expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
    expect(types[types.length - 1]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
});

test('stop() ends the server process it started', async () => {
  const other = await startDevServer();
  expect(isAlive(other.pid)).toBe(true);
  await other.stop();
  expect(isAlive(other.pid)).toBe(false);
  expect(isAlive(server.pid)).toBe(true);
});
