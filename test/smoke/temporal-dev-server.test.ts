// Proves the Temporal part is real: the dev server built from Go modules starts through lab/temporal, a worker runs a
// workflow with one activity on it, and the history can be fetched back from the server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { freePorts } from '../../devenv/free-port';
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

test('its ports lie below the ephemeral range, where no outgoing connection can take one while it restarts', () => {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  for (const port of Object.values(server.ports)) expect(port).toBeLessThan(ephemeralLow!);
});

test('a server that cannot start says why, from its own log', async () => {
  // The readiness probe dials it too; dropping those calls lets the squatter close.
  const squatter = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const taken = (squatter.address() as net.AddressInfo).port;
  const logFile = path.join(mkdtempSync(path.join(tmpdir(), 'bootshift-smoke-temporal-')), 'temporal.log');
  const [ui, http, metrics] = (await freePorts(3)) as [number, number, number];
  try {
    await expect(startDevServer({ logFile, ports: { grpc: taken, ui, http, metrics } })).rejects.toThrow(
      new RegExp(`exited with code 1 before it was ready .*\\n.*frontend port ${taken}.*address already in use`),
    );
  } finally {
    squatter.close();
  }
});
