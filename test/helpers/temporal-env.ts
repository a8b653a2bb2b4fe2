// One real Temporal dev server per test file, plus the client pieces every workflow test needs. Tests get unique
// task queues and ids so they never see each other's workflows.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../../lab/temporal';
import { installQuietRuntime } from './quiet-runtime';

export interface TemporalEnv {
  server: DevServer;
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function startTemporalEnv(opts: DevServerOptions = {}): Promise<TemporalEnv> {
  installQuietRuntime();
  const server = await startDevServer(opts);
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  return {
    server,
    client,
    connection,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
      await server.stop();
    },
  };
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundling takes seconds; each workflows entry point is bundled once per test process. */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
