// One real Temporal dev server per test file (started by devenv/temporal-dev-server, the project's one launcher), with
// the SDK's test environment attached to it for the client and the worker connection, and for bootshift's own workers
// a PostgreSQL cluster holding the fleet ledger. Tests get unique task queues and ids so
// they never see each other's workflows.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, bundleWorkflowCode, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../../devenv/temporal-dev-server';
import { startTestLedger, type TestLedger } from './postgres';
import { installQuietRuntime } from './quiet-runtime';

export interface TemporalEnv {
  server: DevServer;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function startTemporalEnv(opts: DevServerOptions = {}): Promise<TemporalEnv> {
  installQuietRuntime();
  const server = await startDevServer(opts);
  // Attaching to a server we started ourselves: the SDK's own launcher waits too briefly for a loaded 2-core machine.
  const testEnv = await TestWorkflowEnvironment.createFromExistingServer({ address: server.address, namespace: server.namespace });
  return {
    server,
    client: testEnv.client,
    nativeConnection: testEnv.nativeConnection,
    async close() {
      await testEnv.teardown();
      await server.stop();
    },
  };
}

/** What bootshift's workers need in tests: a dev server, and a PostgreSQL cluster with the ledger's schema. */
export interface BootshiftTestEnv extends TemporalEnv {
  ledger: TestLedger;
}

export async function startBootshiftTestEnv(opts: DevServerOptions = {}): Promise<BootshiftTestEnv> {
  const [temporal, ledger] = await Promise.all([startTemporalEnv(opts), startTestLedger()]);
  return {
    ...temporal,
    ledger,
    async close() {
      await temporal.close();
      await ledger.close();
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
