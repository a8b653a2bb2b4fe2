// One short-lived Temporal connection per command, closed when the command ends so the process can exit; a server
// that cannot be reached becomes exit code 4 with the address and where it came from, instead of a gRPC stack trace.
import { Client, Connection } from '@temporalio/client';
import { CliError, ExitCode } from './exit-codes';
import type { CliOptions } from './options';

const CONNECT_TIMEOUT_MS = 5000;

export async function withClient<T>(opts: CliOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: opts.address, connectTimeout: CONNECT_TIMEOUT_MS });
  } catch (err) {
    const hint = opts.devEnv ? ` (is the dev environment in ${opts.stateDir} running? try \`bootshift dev status\`)` : '';
    const why = err instanceof Error ? err.message : String(err);
    throw new CliError(ExitCode.Unreachable, `cannot reach Temporal at ${opts.address} (from ${opts.addressSource}): ${why}${hint}`);
  }
  try {
    return await fn(new Client({ connection, namespace: opts.namespace }));
  } finally {
    await connection.close();
  }
}
