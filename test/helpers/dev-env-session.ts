// For tests that run on the whole embedded environment: start it in a fresh temporary state dir, hand out a client,
// and always stop everything it started (whatever the env record has become meanwhile: restarts update env.json).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { connectDevEnv, startDevEnv, stopDevEnv, type DevEnvOptions, type DevEnvRecord } from '../../devenv/dev-env';

export interface DevEnvSession {
  start(opts: Omit<DevEnvOptions, 'stateDir'>): Promise<{ env: DevEnvRecord; client: Client }>;
}

/** Call at the top level of a test file: registers the teardown. */
export function devEnvSession(prefix: string): DevEnvSession {
  const started: Array<{ stateDir: string; connection: Connection }> = [];
  afterAll(async () => {
    for (const { stateDir, connection } of started) {
      await connection.close();
      await stopDevEnv(stateDir);
    }
  });
  return {
    async start(opts) {
      const env = await startDevEnv({ ...opts, stateDir: mkdtempSync(path.join(tmpdir(), `bootshift-${prefix}-`)) });
      const { client, connection } = await connectDevEnv(env);
      started.push({ stateDir: env.stateDir, connection });
      return { env, client };
    },
  };
}
