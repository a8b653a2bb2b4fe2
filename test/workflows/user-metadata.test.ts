// What the Temporal UI reads about a VM (Temporal's user metadata), on a real dev server with the simulated hypervisor:
// the summary and details it was started with, the current details the tracker rewrites as the VM moves (queued,
// booting, migrating with its progress, settled), and a summary on every activity and timer in its history; and the
// Pulumi provider describes the workflows it starts (check, create, delete) with the same texts.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../../devenv/wait';
import { parseVmSpec, vmWorkflowMetadata } from '../../domain';
import { check as pulumiCheck, create as pulumiCreate, remove as pulumiDelete } from '../../pulumi/provider-impl';
import { getStatusQuery, waitForPhaseUpdate } from '../../workflows/messages';
import { startSimulatedBootshift } from '../helpers/simulated-bootshift';
import { startBootshiftTestEnv, type BootshiftTestEnv } from '../helpers/temporal-env';

jest.setTimeout(300_000);

let env: BootshiftTestEnv;
beforeAll(async () => {
  env = await startBootshiftTestEnv();
});
afterAll(async () => env?.close());

/** The workflow's current details, as the UI asks for them (the SDK's built-in metadata query). */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  return (await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata')).currentDetails;
}

/** Each event of the history, by type, with its summary (none on most events). */
async function eventSummaries(client: Client, handle: WorkflowHandle): Promise<Array<{ type: string; summary: string | undefined }>> {
  const { payloadConverter } = client.options.loadedDataConverter;
  const { events } = await handle.fetchHistory();
  return (events ?? []).map((e) => ({
    type: temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType),
    summary: e.userMetadata?.summary ? payloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined,
  }));
}

test('a VM is described at start, its current details follow it from booting through migration progress to settled, and every step says what it does', async () => {
  const bs = await startSimulatedBootshift(env, {
    hosts: [{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 2 }],
    migrateMs: 6000,
  });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('web', { vcpus: 2, memoryMiB: 1024 });
    const handle = await bs.start(input);

    const described = await handle.describe();
    expect(await described.staticSummary()).toBe(`VM web: 2 vCPU / 1 GiB, fleet ${bs.fleet}`);
    const details = await described.staticDetails();
    expect(details).toContain('kernel `/boot/vmlinuz`, initrd `/boot/initrd.img`');
    expect(details).toContain(`undersubscribed (VMs ≤ CPUs) in fleet \`${bs.fleet}\``);

    await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'migrating' }] });
    let migrating = '';
    await waitFor(async () => /, [1-9]\d*%/.test((migrating = await currentDetails(handle))), { timeoutMs: 30_000, what: 'migration progress in the current details' });
    // 1024 MiB over 6 s of simulated migration: about 170 MiB/s.
    expect(migrating).toMatch(/^migrating boot-1 → settle-1, \d+%, \d+ MiB\/s$/);

    await handle.result();
    // The same durations as `bootshift vm status` shows: the workflow's own clock.
    const { timings: t } = await handle.query(getStatusQuery);
    const seconds = (from?: number, to?: number) => `${((to! - from!) / 1000).toFixed(1)} s`;
    expect(await currentDetails(handle)).toBe(
      `settled on settle-1 after ${seconds(t.bootStartedAt, t.bootedAt)} boot, ${seconds(t.migrateStartedAt, t.settledAt)} migration`,
    );

    const events = await eventSummaries(env.client, handle);
    const scheduled = events.filter((e) => e.type === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    expect(scheduled.map((e) => e.summary)).toEqual([
      `check web's image and disk against fleet ${bs.fleet}`,
      'define and start web on boot-1',
      'live-migrate web boot-1 → settle-1',
    ]);
    // The ledger's local activities are markers in the history; they say what they did too.
    const markers = events.filter((e) => e.type === 'EVENT_TYPE_MARKER_RECORDED').map((e) => e.summary);
    expect(markers).toEqual([
      `reserve a boot slot in fleet ${bs.fleet} (2 vCPU / 1 GiB)`,
      `reserve a settle slot in fleet ${bs.fleet}`,
      `commit web's move in fleet ${bs.fleet}: keep the settle slot, free the boot slot`,
    ]);
    expect(events.filter((e) => e.type === 'EVENT_TYPE_TIMER_STARTED').map((e) => e.summary)).toEqual([
      'boot timeout: web must report boot complete within 60 s',
    ]);
  });
});

test("a VM waiting for a boot slot shows its place in the fleet's queue, and the one ahead shows what it waits for", async () => {
  const bs = await startSimulatedBootshift(env, {
    hosts: [{ name: 'boot-1', pool: 'boot', cpus: 1 }, { name: 'settle-1', pool: 'settle', cpus: 2 }],
    signalBoots: false,
  });
  await bs.worker.runUntil(async () => {
    const first = await bs.start(bs.vmInput('first'));
    await first.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'booting' }] });
    const second = await bs.start(bs.vmInput('second'));
    await waitFor(async () => (await currentDetails(second)).startsWith('queued'), { timeoutMs: 30_000, what: 'the second VM to queue' });
    expect(await currentDetails(second)).toBe(`queued: position 1 in fleet ${bs.fleet}'s boot queue (no undersubscribed host has room)`);
    expect(await currentDetails(first)).toBe("booting on boot-1 (waiting for the guest's phone-home, up to 60 s)");
    await Promise.all([second.cancel(), first.cancel()]);
    await expect(second.result()).rejects.toThrow();
    expect(await currentDetails(second)).toMatch(/^failed: /);
  });
});

test('the Pulumi provider starts checkVm, provisionVm and decommissionVm described by the same texts', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: [{ name: 'boot-1', pool: 'boot', cpus: 2 }, { name: 'settle-1', pool: 'settle', cpus: 2 }] });
  await bs.worker.runUntil(async () => {
    const spec = { name: 'api', vcpus: 1, memoryMiB: 256, image: { kind: 'kernel' as const, kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img' }, fleet: bs.fleet };
    const inputs = { ...parseVmSpec(spec), project: 'test', stack: bs.fleet, connection: { address: env.server.address, namespace: env.server.namespace, taskQueue: bs.taskQueue } };
    const vmId = `vm/test/${bs.fleet}/api`;
    const expected = (kind: 'check' | 'provision' | 'decommission') => vmWorkflowMetadata(kind, vmId, parseVmSpec(spec));
    const describedAs = async (workflowId: string) => {
      const d = await env.client.workflow.getHandle(workflowId).describe();
      return { staticSummary: await d.staticSummary(), staticDetails: await d.staticDetails() };
    };

    expect((await pulumiCheck({}, inputs)).failures).toEqual([]);
    let checkId: string | undefined;
    await waitFor(
      async () => {
        for await (const wf of env.client.workflow.list({ query: `WorkflowType = 'checkVm'` })) if (wf.workflowId.startsWith(`check/${vmId}/`)) checkId = wf.workflowId;
        return checkId !== undefined;
      },
      { timeoutMs: 30_000, what: "the provider's checkVm in visibility" },
    );
    expect(await describedAs(checkId!)).toEqual(expected('check'));

    const { id, outs } = await pulumiCreate(inputs);
    expect(await describedAs(id)).toEqual(expected('provision'));
    expect((await describedAs(id)).staticSummary).toBe(`VM api: 1 vCPU / 256 MiB, fleet ${bs.fleet}`);
    await pulumiDelete(id, outs);
    expect(await describedAs(`${id}/decommission`)).toEqual(expected('decommission'));
  });
});
