// Fault: the Temporal dev server is stopped in the middle of a run and started again on its database file. The
// worker keeps running through the outage; every workflow must resume and complete, with the fleet consistent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDevEnv, restartTemporal, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { checkInvariants } from '../../cli/check';
import { observeSimulatedFleet } from '../../cli/check';
import { stopProcesses } from '../../devenv/processes';
import { readInventoryFile } from '../../worker/inventory-file';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmResult } from '../../workflows/types';
import { vmInput } from '../helpers/vm-input';
import { recordFaultResult, scaled, seededRandom } from './fault-run';
import { ledgerSnapshot } from '../helpers/ledger';

jest.setTimeout(3_600_000);

let env: DevEnvRecord;

afterAll(async () => {
  if (env) await stopDevEnv(env.stateDir);
});


test('workflows resume and complete after the Temporal server is stopped and restarted mid-run', async () => {
  const vmCount = scaled(8, 30);
  const restarts = scaled(1, 3);
  env = await startDevEnv({
    stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-fault-temporal-')),
    hypervisor: 'simulated',
    persistent: true,
    ui: false,
    boot: 2,
    settle: 2,
    hostCpus: 4,
    workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '3000', BOOTSHIFT_SIM_MIGRATE_MS: '2000' },
  });
  let { client, connection } = await connectDevEnv(env);
  const ids = Array.from({ length: vmCount }, (_, i) => `vm/fault/temporal/vm${i}`);
  for (const vmId of ids) {
    await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet, undefined, 3600)] });
  }
  const random = seededRandom(42);
  const inFlight: number[] = [];
  for (let r = 0; r < restarts; r += 1) {
    await sleep(2000 + random() * 4000);
    const statuses = await Promise.all(ids.map(async (id) => (await client.workflow.getHandle(id).describe()).status.name));
    inFlight.push(statuses.filter((s) => s === 'RUNNING').length);
    await connection.close();
    await stopProcesses([env.temporal.pid]);
    await sleep(3000); // an outage, not a blink
    env = await restartTemporal(env);
    ({ client, connection } = await connectDevEnv(env));
  }
  const results: ProvisionVmResult[] = await Promise.all(ids.map((id) => client.workflow.getHandle(id).result()));
  expect(results.filter((r) => !r.settled).map((r) => `${r.vmId}: ${r.note}`)).toEqual([]);
  // The outage really came mid-run: workflows were in flight when the server went away.
  expect(inFlight[0]).toBeGreaterThan(0);

  const domains = observeSimulatedFleet(path.join(env.stateDir, 'simulated-fleet.json'));
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory: await readInventoryFile(env.inventoryFile), domains });
  await connection.close();
  recordFaultResult('temporal-restart', {
    fault: 'Temporal dev server stopped and restarted mid-run (persistent database)',
    runs: 1,
    injections: restarts,
    vms: vmCount,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length,
    notes: report.ok ? `workflows in flight at each stop: ${inFlight.join(', ')}` : JSON.stringify(report),
  });
  expect(report).toMatchObject({ ok: true, vms: vmCount });
});
