// The durations provisionVm is the one to know, recorded the moment it knows each: the wait for a boot slot once one is
// held, the boot once the guest said so. The SDK's workflow meter hands them to the worker's runtime through a sink
// that is skipped during replay, and adds no command to the history. Not at the end of the run: a workflow task that
// completes the run is retried whenever a signal lands while it runs (a late migration-progress report is enough), and
// its code, run again live, would count the VM twice; the tasks these run in never complete the run. The migration's
// duration is recorded by the migrate activity for the same reason.
import { metricMeter } from '@temporalio/workflow';
import { METRICS, type LabelsOf } from '../domain';

export function recordQueueWait(fleet: string, queuedMs: number): void {
  observe(METRICS.queueWait, queuedMs, fleet);
}

export function recordBoot(fleet: string, bootMs: number): void {
  observe(METRICS.bootDuration, bootMs, fleet);
}

type BootMetric = (typeof METRICS)['queueWait' | 'bootDuration'];

function observe(metric: BootMetric, ms: number, fleet: string): void {
  // Created per call: the workflow meter only exists inside a workflow's context, and the worker caches the metric.
  // A negative value would throw, failing the workflow task over a metric.
  metricMeter.createHistogram(metric.name, 'float', metric.unit, metric.description).record(Math.max(0, ms) / 1000, {
    fleet,
    pool: 'boot',
  } satisfies LabelsOf<BootMetric>);
}
