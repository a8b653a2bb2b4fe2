// bootshift's own Prometheus metrics, defined once: provisionVm records the queue wait and the boot
// (workflows/metrics.ts), the migrate activity the move (activities/vm-activities.ts), the worker process the ledger's
// gauges and the gateway's answers (worker/metrics.ts), and the worker configures the exporter's buckets from here. Everything goes through the Temporal SDK's meter, so the worker's one
// endpoint serves these next to the SDK's own `temporal_*` metrics. Names follow Prometheus's conventions: base units
// (seconds, bytes) in the name, `_total` on counters.

/** One metric: its name and help text, the labels every recording gives it, and for histograms the bucket bounds. */
export interface MetricDefinition<Label extends string = string> {
  name: `bootshift_${string}`;
  kind: 'histogram' | 'gauge' | 'counter';
  /** UCUM, as OpenTelemetry (and so the SDK) takes it; Prometheus reads the unit from the name. */
  unit: string;
  description: string;
  labels: readonly Label[];
  buckets?: readonly number[];
}

/** The labels a recording of `metric` must give, by name. */
export type LabelsOf<M extends MetricDefinition> = Record<M['labels'][number], string>;

// Durations span a simulated boot (1 s), the lab's busybox guest (~6 s under TCG), a real cloud image (45-65 s) and a
// long wait behind a boot storm; the SDK's default buckets are made for milliseconds.
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1800, 3600] as const;

export const METRICS = {
  queueWait: {
    name: 'bootshift_queue_wait_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'From the provisioning request to a boot slot held: near zero when an undersubscribed host had room, the wait in the FIFO boot queue otherwise',
    labels: ['fleet', 'pool'],
    buckets: DURATION_BUCKETS,
  },
  bootDuration: {
    name: 'bootshift_boot_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: "From the domain's start on the boot host to the guest's boot-complete",
    labels: ['fleet', 'pool'],
    buckets: DURATION_BUCKETS,
  },
  migrationDuration: {
    name: 'bootshift_migration_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'The live migration that settled a VM on an oversubscribed host (the attempt that succeeded)',
    labels: ['fleet', 'pool'],
    buckets: DURATION_BUCKETS,
  },
  hostVcpus: {
    name: 'bootshift_host_vcpus_allocated',
    kind: 'gauge',
    unit: '{vcpu}',
    description: "vCPUs the fleet ledger has allocated on a host (reserved, committed or held for a leaked domain)",
    labels: ['fleet', 'pool', 'host'],
  },
  hostVms: {
    name: 'bootshift_host_vms',
    kind: 'gauge',
    unit: '{vm}',
    description: 'VMs holding a reservation on a host in the fleet ledger',
    labels: ['fleet', 'pool', 'host'],
  },
  hostMemory: {
    name: 'bootshift_host_memory_allocated_bytes',
    kind: 'gauge',
    unit: 'By',
    description: 'Memory the fleet ledger has allocated on a host',
    labels: ['fleet', 'pool', 'host'],
  },
  bootQueueLength: {
    name: 'bootshift_boot_queue_length',
    kind: 'gauge',
    unit: '{vm}',
    description: "VMs waiting in a fleet's FIFO boot queue for an undersubscribed host",
    labels: ['fleet'],
  },
  gatewayResponses: {
    name: 'bootshift_gateway_responses_total',
    kind: 'counter',
    unit: '{response}',
    description: "The boot gateway's answers, by HTTP status (204 accepted, 403 bad token, 404 unknown VM or path, 429 rate-limited …)",
    labels: ['status'],
  },
} as const satisfies Record<string, MetricDefinition>;
