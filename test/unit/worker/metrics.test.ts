// The worker's side of the metrics: the ledger's snapshot becomes per-host gauges in base units, the sampler keeps
// going through a failed sample, the gateway's answers are counted by status, and the exporter gets bucket bounds for
// exactly bootshift's histograms. The end-to-end path through a real Prometheus is test/e2e/metrics.test.ts.
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { METRICS, type LedgerSnapshot } from '../../../domain';
import { waitFor } from '../../../devenv/wait';
import { gatewayAnswerCounter, ledgerGauges, prometheusTelemetry, startLedgerSampler } from '../../../worker/metrics';

/** A meter that remembers the last value per metric and label set (gauges) or their sum (counters). */
function recordingMeter(): { meter: MetricMeter; values: Map<string, number> } {
  const values = new Map<string, number>();
  const key = (name: string, tags: MetricTags = {}) =>
    `${name}{${Object.entries(tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(',')}}`;
  const meter = {
    createGauge: (name: string) => ({ set: (value: number, tags?: MetricTags) => values.set(key(name, tags), value) }),
    createCounter: (name: string) => ({ add: (value: number, tags?: MetricTags) => values.set(key(name, tags), (values.get(key(name, tags)) ?? 0) + value) }),
  } as unknown as MetricMeter;
  return { meter, values };
}

const host = (name: string, pool: 'boot' | 'settle', vms: string[], vcpusUsed: number, memoryUsedMiB: number) => ({
  name,
  pool,
  state: 'active' as const,
  cpus: 4,
  memoryMiB: 8192,
  cpuAllocationRatio: pool === 'settle' ? 4 : null,
  vms,
  vcpusUsed,
  memoryUsedMiB,
  freeVcpus: null,
  freeVmSlots: null,
  freeMemoryMiB: 8192 - memoryUsedMiB,
});

const snapshot = (queued: number): LedgerSnapshot => ({
  fleet: 'prod',
  policy: { bootVcpusWithinCpus: true },
  hosts: [host('boot-1', 'boot', ['vm/a'], 2, 512), host('dense-1', 'settle', ['vm/b', 'vm/c'], 5, 3072)],
  queue: [...Array(queued).keys()].map((i) => ({ position: i + 1, reservationId: `r${i}`, vmId: `vm/q${i}`, vcpus: 1, memoryMiB: 128 })),
  leaked: [],
  counts: { hosts: 2, vms: 3 + queued, bootReserved: 1, settleReserved: 0, committed: 2, queued, leaked: 0 },
});

test("each host's allocated vCPUs, VMs and memory (bytes), and the fleet's queue length, labelled by fleet, pool and host", () => {
  const { meter, values } = recordingMeter();
  ledgerGauges(meter)(snapshot(2));
  expect(Object.fromEntries(values)).toEqual({
    'bootshift_host_vcpus_allocated{fleet=prod,host=boot-1,pool=boot}': 2,
    'bootshift_host_vms{fleet=prod,host=boot-1,pool=boot}': 1,
    'bootshift_host_memory_allocated_bytes{fleet=prod,host=boot-1,pool=boot}': 512 * 1024 * 1024,
    'bootshift_host_vcpus_allocated{fleet=prod,host=dense-1,pool=settle}': 5,
    'bootshift_host_vms{fleet=prod,host=dense-1,pool=settle}': 2,
    'bootshift_host_memory_allocated_bytes{fleet=prod,host=dense-1,pool=settle}': 3072 * 1024 * 1024,
    'bootshift_boot_queue_length{fleet=prod}': 2,
  });
});

test('the sampler samples at once and on every tick, and a failed sample neither stops it nor clears the gauges', async () => {
  const { meter, values } = recordingMeter();
  const errors: unknown[] = [];
  const replies: Array<LedgerSnapshot | Error> = [snapshot(3), new Error('PostgreSQL away'), snapshot(1)];
  let calls = 0;
  const sampler = startLedgerSampler({
    gauges: ledgerGauges(meter),
    fleets: async () => ['prod'],
    snapshot: async () => {
      const reply = replies[Math.min(calls++, replies.length - 1)]!;
      if (reply instanceof Error) throw reply;
      return reply;
    },
    intervalMs: 20,
    onError: (err) => errors.push(err),
  });
  try {
    await waitFor(() => errors.length === 1, { timeoutMs: 5_000, intervalMs: 5, what: 'the failed sample' });
    expect(values.get('bootshift_boot_queue_length{fleet=prod}')).toBe(3);
    await waitFor(() => values.get('bootshift_boot_queue_length{fleet=prod}') === 1, { timeoutMs: 5_000, intervalMs: 5, what: 'the next sample' });
  } finally {
    await sampler.stop();
  }
  const after = calls;
  // An absence cannot be awaited: the stopped sampler gets five of its ticks to misbehave.
  await new Promise((r) => setTimeout(r, 100));
  expect(calls).toBe(after);
});

test("the gateway's answers are counted by status", () => {
  const { meter, values } = recordingMeter();
  const answered = gatewayAnswerCounter(meter);
  for (const status of [204, 403, 403, 404]) answered(status);
  expect(Object.fromEntries(values)).toEqual({
    'bootshift_gateway_responses_total{status=204}': 1,
    'bootshift_gateway_responses_total{status=403}': 2,
    'bootshift_gateway_responses_total{status=404}': 1,
  });
});

test("the exporter binds the address given (IPv6 bracketed) and has bucket bounds for bootshift's histograms only", () => {
  const v4 = prometheusTelemetry({ host: '127.0.0.1', port: 9464 }).metrics;
  const v6 = prometheusTelemetry({ host: '::1', port: 9464 }).metrics;
  if (!v4 || !('prometheus' in v4) || !v6 || !('prometheus' in v6)) throw new Error('expected a Prometheus exporter');
  expect(v4.prometheus.bindAddress).toBe('127.0.0.1:9464');
  expect(v6.prometheus.bindAddress).toBe('[::1]:9464');
  expect(Object.keys(v4.prometheus.histogramBucketOverrides ?? {}).sort()).toEqual(
    [METRICS.bootDuration.name, METRICS.migrationDuration.name, METRICS.queueWait.name].sort(),
  );
  for (const bounds of Object.values(v4.prometheus.histogramBucketOverrides ?? {})) {
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
  }
});
