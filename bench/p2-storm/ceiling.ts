// The ceiling: N bare one-activity workflows started at once on the same dev server, run by one worker with the
// same settings as bootshift's, timed from the first start call to the last result.
import { randomUUID } from 'node:crypto';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { BenchTemporal } from '../temporal-env';
import { STORM_TUNING } from './tuning';

export interface CeilingFigures {
  workflows: number;
  seconds: number;
  perSecond: number;
  /** history length of one bare workflow */
  eventsPerWorkflow: number;
}

export async function runCeiling(t: BenchTemporal, workflowBundle: WorkflowBundleWithSourceMap, count: number): Promise<CeilingFigures> {
  const taskQueue = `bare-${randomUUID().slice(0, 8)}`;
  const worker = await Worker.create({
    connection: t.native,
    namespace: t.server.namespace,
    taskQueue,
    workflowBundle,
    activities: { noop: async () => 'ok' },
    ...STORM_TUNING,
  });
  const { seconds, events } = await worker.runUntil(async () => {
    const start = performance.now();
    const handles = await Promise.all(
      Array.from({ length: count }, (_, i) => t.client.workflow.start('bareWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}` })),
    );
    await Promise.all(handles.map((h) => h.result()));
    const elapsed = (performance.now() - start) / 1000;
    return { seconds: elapsed, events: (await handles[0]!.fetchHistory()).events?.length ?? 0 };
  });
  return { workflows: count, seconds: Number(seconds.toFixed(2)), perSecond: Number((count / seconds).toFixed(1)), eventsPerWorkflow: events };
}
