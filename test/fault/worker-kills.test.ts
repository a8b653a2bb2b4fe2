// Fault: the worker process is SIGKILLed at random moments while VMs are being provisioned (simulated hypervisor,
// whose fleet outlives the worker as real hosts would), and restarted each time. Every VM must end settled, exactly
// once, with the ledger, the hypervisor and the workflows agreeing and no reservation leaked.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartWorker } from '../../devenv/dev-env';
import { checkInvariants } from '../../cli/check';
import { observeSimulatedFleet } from '../../cli/check';
import { isRunning, signalProcesses } from '../../devenv/processes';
import { waitFor } from '../../devenv/wait';
import { readInventoryFile } from '../../worker/inventory-file';
import { provisionVm } from '../../workflows/provision-vm';
import { devEnvSession } from '../helpers/dev-env-session';
import { vmInput } from '../helpers/vm-input';
import { FULL, recordFaultResult, scaled, seededRandom } from './fault-run';
import { ledgerSnapshot } from '../helpers/ledger';

jest.setTimeout(3_600_000);

const session = devEnvSession('fault-kills');

test('VMs all settle exactly once although the worker is killed again and again', async () => {
  const vmCount = scaled(12, 60);
  const killTarget = scaled(4, 24);
  const fleet = await session.start({
    hypervisor: 'simulated',
    ui: false,
    boot: 2,
    settle: 2,
    // Settle room for every VM (2 x 8 CPUs x ratio 4 = 64 vCPUs), boot room for 16 at a time.
    hostCpus: 8,
    workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '3000', BOOTSHIFT_SIM_MIGRATE_MS: '1500' },
  });
  const { client } = fleet;
  let { env } = fleet;
  // Requests keep arriving while the worker dies (one every 2.5 s in the full run), so kills land on every step.
  const started = (async () => {
    const handles = [];
    for (let i = 0; i < vmCount; i += 1) {
      const vmId = `vm/fault/kills/vm${i}`;
      handles.push(await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [vmInput(vmId, env.fleet, undefined, 3600)] }));
      await sleep(scaled(0, 2500));
    }
    return handles;
  })();
  let done = false;
  const results = started.then((handles) => Promise.all(handles.map((h) => h.result()))).finally(() => (done = true));

  const random = seededRandom(20261124);
  let kills = 0;
  while (!done) {
    // Long enough between kills for work to get done; random, so kills land at every step of the flow.
    await sleep(1000 + random() * 3000);
    if (done) break;
    const pid = env.worker.pid;
    signalProcesses([pid], 'SIGKILL');
    kills += 1;
    await waitFor(() => !isRunning(pid), { timeoutMs: 10_000, what: `worker ${pid} to die` });
    env = await restartWorker(env);
  }
  const settled = await results;

  expect(settled.filter((r) => !r.settled).map((r) => `${r.vmId}: ${r.note}`)).toEqual([]);
  const domains = observeSimulatedFleet(path.join(env.stateDir, 'simulated-fleet.json'));
  expect(domains).toHaveLength(vmCount);
  const report = await checkInvariants({ client, ledger: await ledgerSnapshot(env), inventory: await readInventoryFile(env.inventoryFile), domains });
  recordFaultResult('worker-kills', {
    fault: 'worker SIGKILLed at random points and restarted (simulated hypervisor)',
    runs: 1,
    injections: kills,
    vms: vmCount,
    lost: report.lost.length,
    duplicated: report.duplicated.length,
    leakedReservations: report.leakedReservations.length,
    notes: report.ok ? undefined : JSON.stringify(report),
  });
  expect(report).toMatchObject({ ok: true, vms: vmCount });
  if (FULL) expect(kills).toBeGreaterThanOrEqual(killTarget);
  else expect(kills).toBeGreaterThanOrEqual(1);
});
