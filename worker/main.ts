#!/usr/bin/env node
// The bootshift worker process: runs the workflows and activities on the configured task queue and, by default, the
// boot gateway that turns guests' phone-home requests into boot-complete reports; with payload encryption on, also
// the codec endpoint the Temporal UI decodes through, and on request the Prometheus metrics (worker/metrics.ts).
// Configuration comes from the environment, parsed once (worker/config.ts); SIGINT/SIGTERM drain the worker and close
// the listeners.
import { existsSync, writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createLibvirtHypervisor } from '../activities/libvirt/libvirt-hypervisor';
import type { Hypervisor } from '../activities/hypervisor';
import { ConfigError, loadConfig, type WorkerConfig } from './config';
import { createCodecServer } from './codec-server';
import { createEncryptionCodec } from './payload-codec';
import { dataConverterFor, tlsConfig, type TemporalConnectionSettings } from './temporal-connection';
import { createBootshiftWorker } from './create-worker';
import { createBootReporter } from './workflow-port';
import { phoneHomeUrl } from './gateway/phone-home';
import { createGateway } from './gateway/server';
import { createInventoryFile, mockHostsIn, readInventoryFile } from './inventory-file';
import { createLogger, temporalLogger } from './logging';
import { createSimulatedFleet } from './simulated-guests';
import { createTokenSigner } from './tokens';
import { gatewayAnswerCounter, ledgerGauges, prometheusTelemetry, startLedgerSampler } from './metrics';
import { connectLedgerDatabase } from '../ledger/database';
import { startGrantSweeper } from '../ledger/grants';
import { migrateToLatest } from '../ledger/migrations';

async function main(config: WorkerConfig): Promise<void> {
  const logger = createLogger(config.logLevel);
  Runtime.install({
    logger: temporalLogger(logger, 'INFO'),
    ...(config.metrics && { telemetryOptions: prometheusTelemetry(config.metrics.listen) }),
  });
  if (config.metrics) logger.info({ address: config.metrics.listen }, 'Prometheus metrics listening on /metrics');
  if (config.hypervisor === 'libvirt') {
    const mock = mockHostsIn(await readInventoryFile(config.inventoryFile));
    if (mock.length > 0) throw new ConfigError(`BOOTSHIFT_INVENTORY: ${mock.join('; ')}`);
  }
  const ledgerDb = connectLedgerDatabase(config.ledger.databaseUrl);
  await migrateToLatest(ledgerDb.db);
  const temporal = await connectWorker(config.temporal);
  const signer = createTokenSigner(config.gateway.secret);
  const reportBoot = createBootReporter(temporal.client);
  const hypervisor: Hypervisor =
    config.hypervisor === 'libvirt'
      ? createLibvirtHypervisor({ ...(config.migrationBandwidthMiBps && { migrationBandwidthMiBps: config.migrationBandwidthMiBps }) })
      : createSimulatedFleet(
          {
            hosts: (await readInventoryFile(config.inventoryFile)).hosts,
            bootDurationMs: config.simulated.bootMs,
            migrationDurationMs: config.simulated.migrateMs,
            ...(config.simulated.stateFile && { stateFile: config.simulated.stateFile }),
          },
          reportBoot,
          (err) => logger.warn({ err: String(err) }, 'simulated guest could not signal boot complete'),
        );
  const { worker, ledger } = await createBootshiftWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    hypervisor,
    inventory: createInventoryFile(config.inventoryFile, { simulated: config.hypervisor === 'simulated' }),
    bootCallback: { token: (claims) => signer.tokenFor(claims), url: (workflowId) => phoneHomeUrl(config.gateway.publicUrl, workflowId) },
    ...(config.consoleDir && { consoleDir: config.consoleDir }),
    ...(config.temporal.codecKeys && { dataConverter: dataConverterFor(config.temporal) }),
    ledgerDb: ledgerDb.db,
    onGrantError: (err) => logger.warn({ err: String(err) }, 'grant to a queued VM not delivered yet; the sweep will retry'),
    ...(config.failpoint && { beforeGrant: killBeforeGrant(config.failpoint.killBeforeGrant, logger) }),
  });
  // The inventory file is the truth about hosts: the ledger follows it at every start (new hosts, capacities, policy).
  const resynced = await ledger.resync(await readInventoryFile(config.inventoryFile));
  logger.info({ resynced }, 'ledger resynced from the inventory');
  const sweeper = startGrantSweeper(ledger, config.ledger.grantSweepMs, (err) => logger.warn({ err: String(err) }, 'grant sweep failed'));
  const sampler = config.metrics
    ? startLedgerSampler({
        gauges: ledgerGauges(Runtime.instance().metricMeter),
        fleets: async () => [(await readInventoryFile(config.inventoryFile)).fleet],
        snapshot: (fleet) => ledger.snapshot(fleet),
        onError: (err) => logger.warn({ err: String(err) }, 'ledger metrics not sampled'),
      })
    : null;
  const codecServer =
    config.codecServer && config.temporal.codecKeys
      ? await createCodecServer({ codec: createEncryptionCodec(config.temporal.codecKeys), ...config.codecServer, logger })
      : null;
  if (codecServer && config.codecServer) {
    const address = await codecServer.listen(config.codecServer.listen);
    logger.info({ address, uiOrigin: config.codecServer.uiOrigin }, 'codec endpoint listening');
  }
  const gateway = config.gateway.listen
    ? await createGateway({
        signer,
        reportBoot,
        limits: config.gateway.limits,
        logger,
        ...(config.metrics && { onAnswer: gatewayAnswerCounter(Runtime.instance().metricMeter) }),
      })
    : null;
  if (gateway && config.gateway.listen) {
    const address = await gateway.listen(config.gateway.listen);
    logger.info({ address, publicUrl: config.gateway.publicUrl }, 'boot gateway listening');
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  logger.info({ taskQueue: config.temporal.taskQueue, hypervisor: config.hypervisor, temporal: config.temporal.address }, 'worker running');
  try {
    await worker.run();
  } finally {
    await sweeper.stop();
    await sampler?.stop();
    await gateway?.close();
    await codecServer?.close();
    await temporal.close();
    await ledgerDb.close();
  }
}

/**
 * The failpoint of the fault test "worker killed between a release's commit and its grant signal": the grant is in
 * the outbox, committed, and this process dies before signalling it. Once: the marker file says it happened.
 */
function killBeforeGrant(marker: string, logger: ReturnType<typeof createLogger>): () => void {
  return () => {
    if (existsSync(marker)) return;
    writeFileSync(marker, `${process.pid}\n`);
    logger.warn({ marker }, 'failpoint kill-before-grant: killing the worker before it signals a grant');
    process.kill(process.pid, 'SIGKILL');
  };
}

/** The worker's two connections: the native one its Worker polls with, and a client for activities and the gateway. */
async function connectWorker(settings: TemporalConnectionSettings): Promise<{ native: NativeConnection; client: Client; close(): Promise<void> }> {
  const tls = tlsConfig(settings.tls);
  const native = await NativeConnection.connect({ address: settings.address, ...(tls && { tls }) });
  const connection = await Connection.connect({ address: settings.address, ...(tls && { tls }) });
  const dataConverter = dataConverterFor(settings);
  const client = new Client({ connection, namespace: settings.namespace, ...(dataConverter && { dataConverter }) });
  return {
    native,
    client,
    async close() {
      await connection.close();
      await native.close();
    },
  };
}

let config: WorkerConfig;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(2);
}
main(config).catch((err: unknown) => {
  process.stderr.write(`bootshift worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
