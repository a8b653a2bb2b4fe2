// Metrics, end to end: the worker serves the Temporal SDK's and bootshift's metrics on one endpoint, the dev
// environment's real Prometheus scrapes it every second, and what Prometheus answers through its own query API agrees
// with what the workflows returned, what the ledger holds and what the gateway answered. The simulated hypervisor
// keeps it quick; one boot host of one CPU makes a storm of three VMs queue.
import { randomUUID } from 'node:crypto';
import { waitFor } from '../../devenv/wait';
import { WORKER_JOB } from '../../devenv/prometheus';
import { PHONE_HOME_PREFIX } from '../../worker/gateway/phone-home';
import { createTokenSigner } from '../../worker/tokens';
import { provisionVm } from '../../workflows/provision-vm';
import { devEnvSession } from '../helpers/dev-env-session';
import { ledgerSnapshot } from '../helpers/ledger';
import { vmInput } from '../helpers/vm-input';

jest.setTimeout(900_000);

const session = devEnvSession('metrics');

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus's HTTP API, printed with its answer (the closing note quotes them). */
async function query(prometheusUrl: string, promql: string, { quiet = false } = {}): Promise<Sample[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  if (body.status !== 'success' || !body.data) throw new Error(`${promql}: ${body.error ?? res.status}`);
  if (!quiet) {
    const shown = body.data.result.map((s) => `${JSON.stringify(s.metric)} ${s.value[1]}`);
    console.log(`PromQL: ${promql}\n  ${shown.join('\n  ') || '(empty)'}`);
  }
  return body.data.result;
}

/**
 * Series of `promql` keyed by the values of `labels` (joined with commas), as numbers rounded to the microsecond or
 * micro-unit, so that sums of seconds compare exactly with sums of the workflows' milliseconds.
 */
async function byLabels(prometheusUrl: string, promql: string, labels: string[], opts?: { quiet?: boolean }): Promise<Record<string, number>> {
  const samples = await query(prometheusUrl, promql, opts);
  return Object.fromEntries(samples.map((s) => [labels.map((l) => s.metric[l] ?? '').join(','), Math.round(Number(s.value[1]) * 1e6) / 1e6]));
}

/** Waits until `promql`'s series by `labels` equal `expected` (Prometheus scrapes every second; the ledger is sampled every 5 s). */
async function untilEqual(prometheusUrl: string, promql: string, labels: string[], expected: Record<string, number>): Promise<void> {
  let last: Record<string, number> = {};
  await waitFor(
    async () => {
      last = await byLabels(prometheusUrl, promql, labels, { quiet: true });
      return JSON.stringify(sorted(last)) === JSON.stringify(sorted(expected));
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `${promql} by ${labels.join(',')} to be ${JSON.stringify(expected)}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last answer ${JSON.stringify(last)}`);
  });
  // Print the answer that matched.
  await query(prometheusUrl, promql);
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

test('Prometheus scrapes the SDK metrics, the durations, the ledger gauges and the gateway answers from the worker', async () => {
  const { env, client } = await session.start({
    hypervisor: 'simulated',
    ui: false,
    metrics: true,
    boot: 1,
    settle: 1,
    workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '3000', BOOTSHIFT_SIM_MIGRATE_MS: '1000' },
  });
  expect(env.metrics).not.toBeNull();
  const prometheus = env.metrics!.prometheus.url;
  await untilEqual(prometheus, `up{job="${WORKER_JOB}"}`, ['job'], { [WORKER_JOB]: 1 });

  // Three VMs at once on one boot host of one CPU: one boots, two wait in the FIFO boot queue.
  const vmIds = [0, 1, 2].map((i) => `vm/metrics/e2e/vm${i}`);
  const handles = await Promise.all(
    vmIds.map((vmId) => client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet)] })),
  );
  const results = await Promise.all(handles.map((h) => h.result()));
  console.log(`results (ms): ${JSON.stringify(results.map(({ vmId, queuedMs, bootMs, migrateMs }) => ({ vmId, queuedMs, bootMs, migrateMs })))}`);
  expect(results.map((r) => r.settled)).toEqual([true, true, true]);
  expect(results.filter((r) => r.queuedMs >= 3000).length).toBeGreaterThanOrEqual(1);

  // The durations: one observation per VM, labelled with the fleet and the pool, summing to what the workflows returned.
  const fleet = env.fleet;
  const seconds = (pick: (r: (typeof results)[number]) => number) => results.reduce((sum, r) => sum + pick(r), 0) / 1000;
  await untilEqual(
    prometheus,
    `sum by (__name__, fleet, pool) ({__name__=~"bootshift_(queue_wait|boot_duration|migration_duration)_seconds_(count|sum)", fleet="${fleet}"})`,
    ['__name__', 'fleet', 'pool'],
    {
      [`bootshift_queue_wait_seconds_count,${fleet},boot`]: 3,
      [`bootshift_queue_wait_seconds_sum,${fleet},boot`]: seconds((r) => r.queuedMs),
      [`bootshift_boot_duration_seconds_count,${fleet},boot`]: 3,
      [`bootshift_boot_duration_seconds_sum,${fleet},boot`]: seconds((r) => r.bootMs),
      [`bootshift_migration_duration_seconds_count,${fleet},settle`]: 3,
      [`bootshift_migration_duration_seconds_sum,${fleet},settle`]: seconds((r) => r.migrateMs!),
    },
  );
  // The queued VMs waited at least one simulated boot: their observations sit above the 2.5 s bound, the other's below.
  await untilEqual(
    prometheus,
    `sum by (fleet) (bootshift_queue_wait_seconds_count{fleet="${fleet}"}) - sum by (fleet) (bootshift_queue_wait_seconds_bucket{fleet="${fleet}",le="2.5"})`,
    ['fleet'],
    { [fleet]: results.filter((r) => r.queuedMs > 2500).length },
  );

  // The ledger's gauges: what the snapshot says, host by host, once the storm is over; and the queue was seen non-empty.
  const snapshot = await ledgerSnapshot(env);
  expect(snapshot.hosts.find((h) => h.pool === 'settle')?.vms).toHaveLength(3);
  const perHost = (pick: (h: (typeof snapshot.hosts)[number]) => number) =>
    Object.fromEntries(snapshot.hosts.map((h) => [`${h.name},${h.pool}`, pick(h)]));
  await untilEqual(prometheus, `bootshift_host_vcpus_allocated{fleet="${fleet}"}`, ['host', 'pool'], perHost((h) => h.vcpusUsed));
  await untilEqual(prometheus, `bootshift_host_vms{fleet="${fleet}"}`, ['host', 'pool'], perHost((h) => h.vms.length));
  await untilEqual(prometheus, `bootshift_host_memory_allocated_bytes{fleet="${fleet}"}`, ['host', 'pool'], perHost((h) => h.memoryUsedMiB * 1024 * 1024));
  await untilEqual(prometheus, `bootshift_boot_queue_length{fleet="${fleet}"}`, ['fleet'], { [fleet]: snapshot.queue.length });
  const queuePeak = await byLabels(prometheus, `max_over_time(bootshift_boot_queue_length{fleet="${fleet}"}[15m])`, ['fleet']);
  expect(queuePeak[fleet]).toBeGreaterThanOrEqual(1);

  // The gateway's answers by status: an unknown path (404) and two well-formed tokens signed with another key (403).
  const gateway = env.worker.gatewayUrl;
  const forged = createTokenSigner(randomUUID() + randomUUID()).tokenFor({ workflowId: vmIds[0]!, runId: handles[0]!.firstExecutionRunId, nonce: randomUUID() });
  const answers = [
    (await fetch(`${gateway}/no/such/path`)).status,
    (await fetch(`${gateway}${PHONE_HOME_PREFIX}${encodeURIComponent(vmIds[0]!)}?token=${forged}`)).status,
    (await fetch(`${gateway}${PHONE_HOME_PREFIX}${encodeURIComponent(vmIds[1]!)}?token=${forged}`)).status,
  ];
  expect(answers).toEqual([404, 403, 403]);
  await untilEqual(prometheus, `bootshift_gateway_responses_total{status=~"403|404"}`, ['status'], { '403': 2, '404': 1 });

  // The SDK's own runtime metrics come from the same endpoint.
  await untilEqual(prometheus, `sum by (workflow_type) (temporal_workflow_completed{job="${WORKER_JOB}"})`, ['workflow_type'], { provisionVm: 3 });
  const sdkMetrics = await byLabels(prometheus, `count by (__name__) ({job="${WORKER_JOB}",__name__=~"temporal_.*"})`, ['__name__'], { quiet: true });
  console.log(`SDK metric names scraped from the worker: ${Object.keys(sdkMetrics).sort().join(' ')}`);
  expect(Object.keys(sdkMetrics)).toEqual(
    expect.arrayContaining(['temporal_workflow_completed', 'temporal_num_pollers', 'temporal_activity_execution_latency_count', 'temporal_request']),
  );
});
