// Faults of the fleet ledger's PostgreSQL and of the grants it hands out (simulated hypervisor, whose fleet outlives
// the worker as real hosts would):
// - PostgreSQL SIGKILLed at random moments of a boot storm (a queue forms: more VMs than boot slots) and restarted
//   each time, recovering from its WAL;
// - the worker SIGKILLed right after a release's transaction committed a grant to a queued VM and before it signalled
//   it (a failpoint), then restarted: the grant still arrives, from the outbox's sweep.
// Every VM must end settled, exactly once; the invariant checker must find nothing lost, duplicated or leaked, and
// the ledger's rows must be consistent (each host's counters equal its live reservations, no policy exceeded).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { checkInvariants, observeSimulatedFleet } from '../../cli/check';
import { restartPostgres, restartWorker, type DevEnvRecord } from '../../devenv/dev-env';
import { isRunning, signalProcesses } from '../../devenv/processes';
import { waitFor } from '../../devenv/wait';
import { connectLedgerDatabase } from '../../ledger/database';
import { readInventoryFile } from '../../worker/inventory-file';
import { provisionVm } from '../../workflows/provision-vm';
import { devEnvSession } from '../helpers/dev-env-session';
import { ledgerSnapshot } from '../helpers/ledger';
import { vmInput } from '../helpers/vm-input';
import { violations } from '../ledger/ledger-fixtures';
import { FULL, recordFaultResult, scaled, seededRandom } from './fault-run';

jest.setTimeout(3_600_000);

const session = devEnvSession('fault-ledger');

/** The ledger's own consistency, read from its rows. */
async function ledgerViolations(env: DevEnvRecord): Promise<string[]> {
  const { db, close } = connectLedgerDatabase(env.ledger.databaseUrl, { max: 1 });
  try {
    return await violations(db, await readInventoryFile(env.inventoryFile));
  } finally {
    await close();
  }
}

/**
 * The invariant checker (ledger, hypervisor, workflows) and the ledger's own consistency on a quiet fleet, recorded as
 * the fault's row for RESULTS.md, then asserted.
 */
async function checkAndRecord(name: string, fault: string, run: { env: DevEnvRecord; client: Client; injections: number; vms: number }): Promise<void> {
  const domains = observeSimulatedFleet(path.join(run.env.stateDir, 'simulated-fleet.json'));
  expect(domains).toHaveLength(run.vms);
  const report = await checkInvariants({ client: run.client, ledger: await ledgerSnapshot(run.env), inventory: await readInventoryFile(run.env.inventoryFile), domains });
  const inconsistent = await ledgerViolations(run.env);
  recordFaultResult(name, {
    fault,
    runs: 1,
    injections: run.injections,
    vms: run.vms,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length + report.heldAsLeaked.length,
    notes: report.ok && inconsistent.length === 0 ? undefined : JSON.stringify({ report, inconsistent }),
  });
  expect(report).toMatchObject({ ok: true, vms: run.vms });
  expect(inconsistent).toEqual([]);
}

test('a boot storm completes exactly once although PostgreSQL is killed again and again', async () => {
  // The kills come every few seconds for as long as the storm lasts, so the full run's storm must be long enough
  // for its kill target: 40 VMs once ended after 7 kills of 8.
  const vmCount = scaled(16, 60);
  const killTarget = scaled(2, 8);
  // 2 boot hosts x 4 CPUs: 8 boots at a time, so most VMs wait in the ledger's queue; settle room for 48 (full: 64)
  // vCPUs.
  const fleet = await session.start({ hypervisor: 'simulated', ui: false, boot: 2, settle: scaled(3, 4), hostCpus: 4, workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '3000', BOOTSHIFT_SIM_MIGRATE_MS: '1500' } });
  const { client } = fleet;
  let { env } = fleet;
  const handles = await Promise.all(
    Array.from({ length: vmCount }, (_, i) => {
      const vmId = `vm/fault/pg/vm${i}`;
      return client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet, undefined, 3600)] });
    }),
  );
  let done = false;
  const results = Promise.all(handles.map((h) => h.result())).finally(() => (done = true));

  const random = seededRandom(20261129);
  let kills = 0;
  while (!done) {
    await sleep(1500 + random() * 3000);
    if (done) break;
    const pid = env.ledger.pid;
    signalProcesses([pid], 'SIGKILL');
    kills += 1;
    await waitFor(() => !isRunning(pid), { timeoutMs: 10_000, what: `postgres ${pid} to die` });
    env = await restartPostgres(env);
  }
  const settled = await results;

  expect(settled.filter((r) => !r.settled).map((r) => `${r.vmId}: ${r.note}`)).toEqual([]);
  await checkAndRecord('postgres-kills', 'PostgreSQL (the ledger) SIGKILLed at random points of a boot storm and restarted (simulated hypervisor)', {
    env,
    client,
    injections: kills,
    vms: vmCount,
  });
  expect(kills).toBeGreaterThanOrEqual(FULL ? killTarget : 1);
});

test("a grant whose signal was lost with the worker (killed between the release's commit and the signal) still arrives", async () => {
  const marker = path.join(process.env.TMPDIR ?? '/tmp', `bootshift-failpoint-${process.pid}-${Date.now()}`);
  // One boot slot (1 host x 1 CPU): the second and third VMs wait in the queue and are admitted by releases.
  const fleet = await session.start({
    hypervisor: 'simulated',
    ui: false,
    boot: 1,
    settle: 1,
    hostCpus: 1,
    workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '1500', BOOTSHIFT_SIM_MIGRATE_MS: '1000', BOOTSHIFT_FAILPOINT: `kill-before-grant:${marker}`, BOOTSHIFT_GRANT_SWEEP_MS: '500' },
  });
  const { client } = fleet;
  let { env } = fleet;
  const vmCount = 3;
  const handles = [];
  for (let i = 0; i < vmCount; i += 1) {
    const vmId = `vm/fault/grant/vm${i}`;
    handles.push(await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet, undefined, 3600)] }));
  }
  const results = Promise.all(handles.map((h) => h.result()));

  // The first release admits the second VM: the grant is committed, then the worker kills itself before signalling.
  const pid = env.worker.pid;
  await waitFor(() => existsSync(marker) && !isRunning(pid), { timeoutMs: 120_000, what: 'the failpoint to kill the worker' });
  const { db, close } = connectLedgerDatabase(env.ledger.databaseUrl, { max: 1 });
  try {
    const pending = await db.selectFrom('grant_outbox').select(['reservation_id', 'workflow_id']).where('delivered_at', 'is', null).execute();
    expect(pending).toEqual([{ reservation_id: expect.stringMatching(/^vm\/fault\/grant\/vm\d@/), workflow_id: expect.stringMatching(/^vm\/fault\/grant\/vm\d$/) }]);
    env = await restartWorker(env);
    const settled = await results;
    expect(settled.map((r) => r.settled)).toEqual([true, true, true]);
    expect(await db.selectFrom('grant_outbox').select('id').where('delivered_at', 'is', null).execute()).toEqual([]);
  } finally {
    await close();
  }
  await checkAndRecord('grant-signal-lost', "worker SIGKILLed between a release's commit and its grant signal (failpoint), restarted; the outbox sweep delivers", {
    env,
    client,
    injections: 1,
    vms: vmCount,
  });
});
