// Connections to Temporal from the worker's config: the same address, namespace and TLS files for the worker's
// native connection and for the client the activities and the gateway use.
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { WorkerConfig } from './config';

function tlsConfig(tls: WorkerConfig['temporal']['tls']): TLSConfig | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.serverName && { serverNameOverride: tls.serverName }),
    ...(tls.ca && { serverRootCACertificate: readFileSync(tls.ca) }),
    ...(tls.cert && tls.key && { clientCertPair: { crt: readFileSync(tls.cert), key: readFileSync(tls.key) } }),
  };
}

export async function connectTemporal(config: WorkerConfig['temporal']): Promise<{ native: NativeConnection; client: Client; close(): Promise<void> }> {
  const tls = tlsConfig(config.tls);
  const native = await NativeConnection.connect({ address: config.address, ...(tls && { tls }) });
  const connection = await Connection.connect({ address: config.address, ...(tls && { tls }) });
  const client = new Client({ connection, namespace: config.namespace });
  return {
    native,
    client,
    async close() {
      await connection.close();
      await native.close();
    },
  };
}
