// provisionVm and decommissionVm on a real dev server with the simulated hypervisor: the happy path, a boot timeout,
// a failing migration that moves on to another settle host, one with no host left, and cancellation mid-migration.
// After each, the ledger and the hypervisor must agree on where every VM is (or that it is gone).
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { SimulatedSnapshot } from '../../activities/simulated-hypervisor';
import { domainNameFor } from '../../domain/names';
import { decommissionVm } from '../../workflows/decommission-vm';
import { HypervisorError } from '../../activities/hypervisor';
import { waitFor } from '../../devenv/wait';
import { Failure } from '../../domain';
import { bootCompleteUpdate, getStatusQuery, waitForPhaseUpdate } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import { reclaimLeaked } from '../../workflows/reclaim-leaked';
import type { BootCompleteEvent, ProvisionVmResult } from '../../workflows/types';
import { startSimulatedBootshift, type SimHost } from '../helpers/simulated-bootshift';
import { recordHistory } from '../helpers/record-history';
import { startBootshiftTestEnv, type BootshiftTestEnv } from '../helpers/temporal-env';

jest.setTimeout(300_000);

let env: BootshiftTestEnv;
beforeAll(async () => {
  env = await startBootshiftTestEnv();
});
afterAll(async () => env?.close());

const hosts = (...settle: string[]): SimHost[] => [
  { name: 'boot-1', pool: 'boot', cpus: 2 },
  { name: 'boot-2', pool: 'boot', cpus: 2 },
  ...settle.map((name): SimHost => ({ name, pool: 'settle', cpus: 2 })),
];

function domainsOn(snapshot: SimulatedSnapshot, domain: string): string[] {
  return Object.entries(snapshot).flatMap(([host, h]) => (h.domains.some((d) => d.name === domain) ? [host] : []));
}

async function failureOf(promise: Promise<unknown>): Promise<Error | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err instanceof WorkflowFailedError ? err.cause : (err as Error);
  }
}

test('happy path: boots on an undersubscribed host, settles on the oversubscribed one, ledger agrees; decommission cleans up', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1') });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('web');
    const handle = await bs.start(input);
    const result: ProvisionVmResult = await handle.result();
    expect(result).toMatchObject({ settled: true, host: 'settle-1', settleHost: 'settle-1', bootSource: 'guest' });
    expect(['boot-1', 'boot-2']).toContain(result.bootHost);
    expect(result.bootMs).toBeGreaterThanOrEqual(150);

    const status = await handle.query(getStatusQuery);
    expect(status.phase).toBe('settled');
    expect(status.timings.settledAt).toBeGreaterThanOrEqual(status.timings.bootedAt!);
    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([['VmName', 'web'], ['VmPhase', 'settled'], ['VmHost', 'settle-1'], ['SettleHost', 'settle-1']]),
    );

    expect(domainsOn(bs.hypervisor.snapshot(), result.domainName)).toEqual(['settle-1']);
    const snap = await bs.ledger.snapshot(bs.fleet);
    expect(snap.hosts.find((h) => h.name === 'settle-1')!.vms).toEqual([input.vmId]);
    expect(snap.hosts.filter((h) => h.pool === 'boot').every((h) => h.vms.length === 0)).toBe(true);

    const gone = await env.client.workflow.execute(decommissionVm, {
      taskQueue: bs.taskQueue,
      workflowId: `${input.vmId}/decommission`,
      args: [{ vmId: input.vmId, provisionWorkflowId: input.vmId, fleet: bs.fleet }],
    });
    expect(gone.destroyedOn).toEqual(['settle-1']);
    expect(domainsOn(bs.hypervisor.snapshot(), result.domainName)).toEqual([]);
    expect((await bs.ledger.snapshot(bs.fleet)).counts.vms).toBe(0);
  });
});

test('waitForPhase("booted") answers once the guest has said so, before the migration ends', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1'), migrateMs: 3000 });
  await bs.worker.runUntil(async () => {
    const handle = await bs.start(bs.vmInput('early'));
    const status = await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'booted' }] });
    expect(status.timings.bootedAt).toBeDefined();
    expect(status.phase === 'booting' || status.phase === 'migrating').toBe(true);
    expect((await handle.result()).settled).toBe(true);
  });
});

test('boot timeout: the domain is destroyed and undefined, the slot released, and the failure says so', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1'), signalBoots: false });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('silent', { bootTimeoutSeconds: 2 });
    const handle = await bs.start(input);
    const failure = await failureOf(handle.result());
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('BootTimeout');
    expect(failure!.message).toMatch(/did not report boot complete within 2s/);
    expect(domainsOn(bs.hypervisor.snapshot(), domainNameFor(input.vmId))).toEqual([]);
    expect((await bs.ledger.snapshot(bs.fleet)).counts.vms).toBe(0);
    expect((await handle.query(getStatusQuery)).phase).toBe('failed');
    await recordHistory('sim-provision-boot-timeout', handle);
  });
});

test('a domain that cannot be destroyed keeps its capacity, held as leaked, until reclaimLeaked finds it destroyed', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1'), signalBoots: false });
  // The host refuses to destroy the domain: it may still be running there.
  const allowDestroy = bs.hypervisor.inject('destroy', () => new HypervisorError('host refused to destroy the domain', 'DomainRejected', true));
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('stuck', { bootTimeoutSeconds: 1 });
    const handle = await bs.start(input);
    expect(((await failureOf(handle.result())) as ApplicationFailure).type).toBe('BootTimeout');
    const status = await handle.query(getStatusQuery);
    expect(status.leftovers).toEqual([expect.stringMatching(/^destroy on boot-/)]);
    const bootHost = status.bootHost!;
    const snap = await bs.ledger.snapshot(bs.fleet);
    expect(snap.leaked).toEqual([
      expect.objectContaining({ vmId: input.vmId, host: bootHost, vcpus: 1, reason: expect.stringMatching(/could not be destroyed: .*host refused/) }),
    ]);
    // Still counted as used: the boot host of 2 CPUs holding it has one slot left, not two.
    expect(snap.hosts.find((h) => h.name === bootHost)).toMatchObject({ vms: [input.vmId], freeVmSlots: 1 });
    expect(domainsOn(bs.hypervisor.snapshot(), domainNameFor(input.vmId))).toEqual([bootHost]);

    // The host takes the destroy again: reclaimLeaked, left running by the failed workflow, destroys it and frees it.
    allowDestroy();
    const reclaim = env.client.workflow.getHandle(`${snap.leaked[0]!.reservationId}/reclaim`);
    expect(await reclaim.result()).toEqual({ attempts: expect.any(Number), freed: [snap.leaked[0]!.reservationId] });
    expect(domainsOn(bs.hypervisor.snapshot(), domainNameFor(input.vmId))).toEqual([]);
    const after = await bs.ledger.snapshot(bs.fleet);
    expect(after.leaked).toEqual([]);
    expect(after.counts.vms).toBe(0);
    await recordHistory('sim-reclaim-leaked', reclaim);
  });
});

test("a late reclaim of an earlier provisioning spares the VM re-created under its name (same domain name, same volumes)", async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1') });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('again');
    const handle = await bs.start(input);
    const result = await handle.result();
    const [domain] = bs.hypervisor.snapshot()['settle-1']!.domains;
    expect(domain).toMatchObject({ name: result.domainName, metadata: { vmId: input.vmId, firstRunId: handle.firstExecutionRunId } });

    // An earlier provisioning of this VM id left its domain on settle-1 held as leaked; its reclaim comes back now.
    const earlierRun = randomUUID();
    const reclaim = await env.client.workflow.execute(reclaimLeaked, {
      taskQueue: bs.taskQueue,
      workflowId: `${input.vmId}@${earlierRun}:boot/reclaim`,
      args: [{ fleet: bs.fleet, vmId: input.vmId, domainName: result.domainName, host: 'settle-1', reservationId: `${input.vmId}@${earlierRun}:boot`, firstRunId: earlierRun }],
    });
    expect(reclaim).toEqual({ attempts: 1, freed: [] });
    expect(domainsOn(bs.hypervisor.snapshot(), result.domainName)).toEqual(['settle-1']);
    expect((await bs.ledger.snapshot(bs.fleet)).hosts.find((h) => h.name === 'settle-1')!.vms).toEqual([input.vmId]);
  });
});

test('a migration that keeps failing moves on to another settle host', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-a', 'settle-b') });
  // Both settle hosts are empty and equal; best fit breaks the tie by name, so settle-a is tried first.
  bs.hypervisor.failNextMigrations('settle-a', 100);
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('stubborn');
    const handle = await bs.start(input);
    const result = await handle.result();
    await recordHistory('sim-provision-failover', handle);
    expect(result).toMatchObject({ settled: true, host: 'settle-b' });
    expect(result.migrationAttempts.map((a) => a.host)).toEqual(['settle-a']);
    expect(domainsOn(bs.hypervisor.snapshot(), result.domainName)).toEqual(['settle-b']);
    const snap = await bs.ledger.snapshot(bs.fleet);
    expect(snap.hosts.find((h) => h.name === 'settle-a')!.vms).toEqual([]);
    expect(snap.hosts.find((h) => h.name === 'settle-b')!.vms).toEqual([input.vmId]);
  });
});

test('with no settle host left, the VM keeps running on its boot host and the result says so', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1') });
  bs.hypervisor.failNextMigrations('settle-1', 100);
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('stranded');
    const handle = await bs.start(input);
    const result = await handle.result();
    expect(result).toMatchObject({ settled: false, host: result.bootHost, settleHost: null });
    expect(result.note).toMatch(/kept running on boot host/);
    expect(domainsOn(bs.hypervisor.snapshot(), result.domainName)).toEqual([result.bootHost]);
    const snap = await bs.ledger.snapshot(bs.fleet);
    expect(snap.hosts.find((h) => h.name === result.bootHost)!.vms).toEqual([input.vmId]);
    expect(snap.counts.settleReserved + snap.counts.committed).toBe(0);
    expect((await handle.query(getStatusQuery)).phase).toBe('unsettled');
    await recordHistory('sim-provision-unsettled', handle);
  });
});

test('cancellation during migration aborts the migration, destroys the VM and releases both slots', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1'), migrateMs: 60_000 });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('cancelled');
    const handle = await bs.start(input);
    await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'migrating' }] });
    await handle.cancel();
    const failure = await failureOf(handle.result());
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(domainsOn(bs.hypervisor.snapshot(), domainNameFor(input.vmId))).toEqual([]);
    expect((await bs.ledger.snapshot(bs.fleet)).counts.vms).toBe(0);
    await recordHistory('sim-provision-cancelled', handle);
  });
});

test('an invalid spec fails at once with the field and the rule, and reserves nothing', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1') });
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('bad', { vcpus: 0 });
    const failure = await failureOf((await bs.start(input)).result());
    expect((failure as ApplicationFailure).type).toBe('InvalidVmSpec');
    expect(failure!.message).toMatch(/vcpus: must be an integer from 1 to 64/);
    expect(Object.values(bs.hypervisor.snapshot()).every((h) => h.domains.length === 0)).toBe(true);
  });
});

test('boot-complete is taken once, only once the domain is defined and only with this boot\'s nonce; refusals leave no trace', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1'), signalBoots: false });
  // The first defineAndStart attempt fails (transiently): the VM is booting, but no domain is defined yet.
  let failDefine = true;
  const release = bs.hypervisor.inject('defineAndStart', () => (failDefine ? new HypervisorError('injected: host busy', Failure.HypervisorUnavailable, false) : undefined));
  await bs.worker.runUntil(async () => {
    const input = bs.vmInput('nonce');
    const handle = await bs.start(input);
    const report = (event: BootCompleteEvent) => handle.executeUpdate(bootCompleteUpdate, { args: [event] }).then(() => 'accepted', (err: unknown) => (err instanceof WorkflowUpdateFailedError ? `refused: ${err.cause?.message}` : String(err)));
    await waitFor(async () => (await handle.query(getStatusQuery)).phase === 'booting', { timeoutMs: 30_000, what: 'the VM to be booting' });
    expect(await report({ source: 'manual' })).toMatch(/^refused: VM nonce is not waiting for its boot to complete/);
    failDefine = false;
    release();
    await waitFor(async () => (await report({ source: 'guest', nonce: randomUUID() })).includes('not for this boot'), { timeoutMs: 60_000, what: 'the domain to be defined' });
    expect(await report({ source: 'manual', detail: { operator: 'test' } })).toBe('accepted');
    expect(await report({ source: 'manual' })).toMatch(/^refused: VM nonce has already reported boot complete \(from manual\)/);
    const result = await handle.result();
    expect(result).toMatchObject({ settled: true, bootSource: 'manual' });
    // Only the accepted report is in the history: a refused update leaves nothing behind.
    const history = await handle.fetchHistory();
    const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name)).toEqual(['bootComplete']);
    expect((history.events ?? []).filter((e) => e.workflowExecutionUpdateRejectedEventAttributes)).toEqual([]);
  });
});

test('a malformed input (no vmId, a bad spec) fails the workflow at once, naming the fields, instead of retrying a task', async () => {
  const bs = await startSimulatedBootshift(env, { hosts: hosts('settle-1') });
  await bs.worker.runUntil(async () => {
    const handle = await env.client.workflow.start(provisionVm, { taskQueue: bs.taskQueue, workflowId: `vm/test/${bs.fleet}/broken`, args: [{ spec: { name: 'broken' } } as never] });
    const failure = await failureOf(handle.result());
    expect(failure).toMatchObject({ type: 'InvalidVmSpec' });
    expect(failure!.message).toMatch(/vmId: must be a VM id/);
    expect(failure!.message).toMatch(/spec\.vcpus: is required/);
  });
});
