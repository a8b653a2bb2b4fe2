// The worker's Prometheus endpoint: the Temporal SDK's own exporter, so the SDK's runtime metrics (`temporal_*`:
// workflow and activity tasks, pollers, requests) and bootshift's (domain/metrics.ts, recorded through the same meter)
// come from one place. Workflows record their durations themselves; the process feeds what only it sees: the fleet
// ledger's capacity, sampled from PostgreSQL, and the boot gateway's answers.
import type { MetricMeter } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import { METRICS, type LabelsOf, type LedgerSnapshot, type MetricDefinition } from '../domain';

/** The ledger is sampled this often: one read-only transaction per fleet, well within any sensible scrape interval. */
export const LEDGER_SAMPLE_MS = 5_000;

/** The runtime's telemetry options for the Prometheus exporter on `listen` (an IP address: the SDK binds no names). */
export function prometheusTelemetry(listen: { host: string; port: number }): NonNullable<RuntimeOptions['telemetryOptions']> {
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  const histogramBucketOverrides = Object.fromEntries(
    Object.values<MetricDefinition>(METRICS).flatMap((m) => (m.buckets ? [[m.name, [...m.buckets]]] : [])),
  );
  return { metrics: { prometheus: { bindAddress: `${host}:${listen.port}`, histogramBucketOverrides } } };
}

/** Counts the gateway's answers by status (GatewayOptions.onAnswer). */
export function gatewayAnswerCounter(meter: MetricMeter): (status: number) => void {
  const { name, unit, description } = METRICS.gatewayResponses;
  const counter = meter.createCounter(name, unit, description);
  return (status) => counter.add(1, { status: String(status) } satisfies LabelsOf<typeof METRICS.gatewayResponses>);
}

/** Sets the capacity gauges from one fleet's ledger snapshot. */
export type LedgerGauges = (snapshot: LedgerSnapshot) => void;

export function ledgerGauges(meter: MetricMeter): LedgerGauges {
  const gauge = (m: MetricDefinition) => meter.createGauge(m.name, 'int', m.unit, m.description);
  const vcpus = gauge(METRICS.hostVcpus);
  const vms = gauge(METRICS.hostVms);
  const memory = gauge(METRICS.hostMemory);
  const queue = gauge(METRICS.bootQueueLength);
  return (snapshot) => {
    for (const host of snapshot.hosts) {
      const labels: LabelsOf<typeof METRICS.hostVcpus> = { fleet: snapshot.fleet, pool: host.pool, host: host.name };
      vcpus.set(host.vcpusUsed, labels);
      vms.set(host.vms.length, labels);
      memory.set(host.memoryUsedMiB * 1024 * 1024, labels);
    }
    queue.set(snapshot.queue.length, { fleet: snapshot.fleet } satisfies LabelsOf<typeof METRICS.bootQueueLength>);
  };
}

export interface LedgerSampler {
  stop(): Promise<void>;
}

/**
 * Samples the ledger of each fleet the worker serves every `intervalMs` into the gauges. A failed sample (PostgreSQL
 * away) leaves the last values and is reported; samples never overlap.
 */
export function startLedgerSampler(opts: {
  gauges: LedgerGauges;
  fleets(): Promise<string[]>;
  snapshot(fleet: string): Promise<LedgerSnapshot>;
  intervalMs?: number;
  onError(err: unknown): void;
}): LedgerSampler {
  const sample = async () => {
    for (const fleet of await opts.fleets()) opts.gauges(await opts.snapshot(fleet));
  };
  let running: Promise<void> = sample().catch(opts.onError);
  const timer = setInterval(() => {
    running = running.then(() => sample().catch(opts.onError));
  }, opts.intervalMs ?? LEDGER_SAMPLE_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
