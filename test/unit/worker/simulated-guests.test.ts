// Simulated guests phone home as real ones do: a report the workflow refuses because it came early (before the
// workflow saw its domain defined) is sent again, and an accepted one, or one for a VM that is gone, is not.
import { randomUUID } from 'node:crypto';
import type { BootReportOutcome } from '../../../activities/ports';
import { waitFor } from '../../../devenv/wait';
import { createSimulatedFleet } from '../../../worker/simulated-guests';

const boot = { name: 'boot-1', uri: 'test:///boot-1', cpus: 4, memoryMiB: 8192 };
const RETRY_MS = 20;

async function bootOne(outcomes: BootReportOutcome[]): Promise<string[]> {
  const reports: string[] = [];
  const fleet = createSimulatedFleet({ hosts: [boot], bootDurationMs: 0, migrationDurationMs: 0, guestRetryMs: RETRY_MS }, async (workflowId) => {
    reports.push(workflowId);
    return outcomes[reports.length - 1] ?? 'accepted';
  });
  const name = `vm-${randomUUID().slice(0, 8)}`;
  await fleet.defineAndStart(boot, {
    name,
    uuid: randomUUID(),
    vcpus: 1,
    memoryMiB: 128,
    image: { kind: 'kernel', kernel: '/k', initrd: '/i', cmdline: '' },
    metadata: { workflowId: `vm/p/s/${name}`, vmId: `vm/p/s/${name}`, fleet: 'f' },
  });
  return reports;
}

test('a refused report is sent again until it is accepted', async () => {
  const reports = await bootOne(['refused', 'refused', 'accepted']);
  await waitFor(() => reports.length === 3, { timeoutMs: 10_000, what: 'three reports' });
  expect(new Set(reports).size).toBe(1);
});

test('an accepted report, or one for a workflow that is gone, is sent once', async () => {
  for (const outcome of ['accepted', 'not_found', 'closed'] as const) {
    const reports = await bootOne([outcome]);
    await waitFor(() => reports.length >= 1, { timeoutMs: 5000, what: 'the report' });
    // Ten times the guest's pause between tries: a second report would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 10 * RETRY_MS));
    expect(reports).toHaveLength(1);
  }
});
