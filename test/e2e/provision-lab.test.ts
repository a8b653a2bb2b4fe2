// End to end on real parts: the dev server, a lab of 2 boot hosts + 1 settle host, and the worker process with the
// libvirt adapter and the boot gateway. Three real guests are provisioned at once (boot capacity is 2, so one
// queues), each phones home through the gateway, is live-migrated and must end `running (migrated)` on the settle
// host, gone from the boot hosts, with the ledger agreeing with libvirt. Set RECORD_HISTORIES=1 to save the histories
// for the replay tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { connectDevEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { guestImage } from '../../devenv/tools';
import { readInventory } from '../helpers/inventory';
import { virshLines } from '../helpers/virsh';
import { decommissionVm } from '../../workflows/decommission-vm';
import { provisionVm } from '../../workflows/provision-vm';
import type { ProvisionVmInput } from '../../workflows/types';
import { bootReports, eventTypeNames } from '../helpers/history';
import { historiesCodecKeyFile, recordHistory } from '../helpers/record-history';
import { vmInput, vmMetadata } from '../helpers/vm-input';
import { ledgerSnapshot } from '../helpers/ledger';

jest.setTimeout(900_000);

let env: DevEnvRecord;
let client: Client;
let connection: Connection;

beforeAll(async () => {
  env = await startDevEnv({ stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-e2e-')), ui: false, codecKeyFile: historiesCodecKeyFile() });
  ({ client, connection } = await connectDevEnv(env));
});

afterAll(async () => {
  await connection?.close();
  if (env) await stopDevEnv(env.stateDir);
});

function labVm(name: string): ProvisionVmInput {
  return vmInput(`vm/e2e/lab/${name}`, env.fleet, guestImage());
}

test('three guests boot on the boot hosts, phone home through the gateway and settle on the settle host', async () => {
  const inputs = ['alpha', 'beta', 'gamma'].map(labVm);
  const handles = await Promise.all(
    inputs.map((input) => client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: input.vmId, args: [input], ...vmMetadata('provision', input) })),
  );
  const results = await Promise.all(handles.map((h) => h.result()));
  const hosts = readInventory(env.inventoryFile);
  const uri = (name: string) => hosts.find((h) => h.name === name)!.uri;

  for (const result of results) {
    expect(result).toMatchObject({ settled: true, host: 'settle-1', bootSource: 'guest' });
    expect(['boot-1', 'boot-2']).toContain(result.bootHost);
    expect((await virshLines(uri('settle-1'), ['domstate', '--reason', result.domainName]))[0]).toBe('running (migrated)');
    for (const boot of ['boot-1', 'boot-2']) expect(await virshLines(uri(boot), ['list', '--all', '--name'])).not.toContain(result.domainName);
  }

  const ledger = await ledgerSnapshot(env);
  expect(ledger.hosts.find((h) => h.name === 'settle-1')!.vms.sort()).toEqual(inputs.map((i) => i.vmId).sort());
  expect(ledger.hosts.filter((h) => h.pool === 'boot').flatMap((h) => h.vms)).toEqual([]);
  expect((await virshLines(uri('settle-1'), ['list', '--name'])).sort()).toEqual(results.map((r) => r.domainName).sort());

  let queued = 0;
  for (const handle of handles) {
    const history = await handle.fetchHistory();
    const granted = (history.events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'bootSlotGranted');
    if (granted) queued += 1;
    // The one report that moved the VM on came from the guest itself, through the gateway, for this boot.
    expect(await bootReports(client, history)).toEqual([{ source: 'guest', nonce: expect.any(String), detail: expect.objectContaining({ via: 'gateway' }) }]);
    expect(eventTypeNames(history)).toContain('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES');
    // One history per shape: a VM that waited in the boot queue (granted by signal) and one placed at once.
    await recordHistory(`lab-provision-${granted ? 'queued' : 'placed'}`, handle);
  }
  // Boot capacity is two VMs, so at least the third waited in the ledger's queue and was granted its slot by signal.
  expect(queued).toBeGreaterThanOrEqual(1);

  for (const input of inputs) {
    const handle = await client.workflow.start(decommissionVm, {
      taskQueue: env.taskQueue,
      workflowId: `${input.vmId}/decommission`,
      args: [{ vmId: input.vmId, provisionWorkflowId: input.vmId, fleet: env.fleet }],
      ...vmMetadata('decommission', input),
    });
    expect((await handle.result()).destroyedOn).toEqual(['settle-1']);
    await recordHistory('lab-decommission', handle);
  }
  expect(await virshLines(uri('settle-1'), ['list', '--all', '--name'])).toEqual([]);
  const after = await ledgerSnapshot(env);
  expect(after.counts.vms).toBe(0);
  expect(after.hosts.every((h) => h.vcpusUsed === 0 && h.memoryUsedMiB === 0)).toBe(true);
});
