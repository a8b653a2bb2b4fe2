// A Temporal dev server of the benchmark's own (started by lab/temporal, the project's one launcher) with a client
// and a worker connection, and the workflow bundles built once. The SDK's runtime is made quiet: its INFO lines would
// cost CPU the benchmarks are measuring.
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  bundleWorkflowCode,
  makeTelemetryFilterString,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { startDevServer, type DevServer } from '../devenv/temporal-dev-server';

export interface BenchTemporal {
  server: DevServer;
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startBenchTemporal(logFile?: string): Promise<BenchTemporal> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
    });
  }
  const server = await startDevServer({ ui: false, ...(logFile && { logFile }) });
  const connections: { close(): Promise<void> }[] = [];
  try {
    const connection = await Connection.connect({ address: server.address });
    connections.push(connection);
    const native = await NativeConnection.connect({ address: server.address });
    connections.push(native);
    const client = new Client({ connection, namespace: server.namespace });
    const close = async () => {
      for (const c of connections.reverse()) await c.close();
      await server.stop();
    };
    return { server, client, native, close };
  } catch (err) {
    for (const c of connections.reverse()) await c.close();
    await server.stop();
    throw err;
  }
}

export function bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}
