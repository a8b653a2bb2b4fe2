// The Temporal Web UI of the embedded environment, in headless Chromium (Debian's, driven by playwright-core): the
// list of bootshift workflows filtered by the VmPhase search attribute shows a VM that is migrating right now and not
// one that has settled (without bootshift's search attributes the filter cannot work); payloads, sealed for
// everyone else, are shown decoded through the worker's codec endpoint; and so is the VM's user metadata: the summary
// and details it was started with, what it is doing now (current details) and what each step does.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { connectDevEnv, startDevEnv, stopDevEnv, type DevEnvRecord } from '../../devenv/dev-env';
import { CLOUD_IMAGE, repoRoot, toolPath } from '../../devenv/tools';
import { waitFor } from '../../devenv/wait';
import { getStatusQuery, waitForPhaseUpdate } from '../../workflows/messages';
import { provisionVm } from '../../workflows/provision-vm';
import { SIMULATED_IMAGE, vmInput, vmMetadata } from '../helpers/vm-input';

const run = promisify(execFile);

jest.setTimeout(600_000);

let env: DevEnvRecord;
let connection: Connection;
let client: Client;
let browser: Browser;
const shots = path.join(repoRoot(), 'test-output', 'temporal-ui');

beforeAll(async () => {
  env = await startDevEnv({
    stateDir: mkdtempSync(path.join(tmpdir(), 'bootshift-ui-')),
    hypervisor: 'simulated',
    ui: true,
    workerEnv: { BOOTSHIFT_SIM_BOOT_MS: '500', BOOTSHIFT_SIM_MIGRATE_MS: '240000' },
  });
  ({ client, connection } = await connectDevEnv(env));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // No sandbox as root; and no background traffic to the closed network (refused connections, slow starts).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await connection?.close();
  if (env) await stopDevEnv(env.stateDir);
});


test('the UI lists in-flight migrations by VmPhase, from bootshift search attributes', async () => {
  const moving = vmInput('vm/ui/test/moving', env.fleet);
  const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: moving.vmId, args: [moving] });
  await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'migrating' }] });

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const list = (query: string) => `${env.temporal.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  await page.goto(list('VmPhase="migrating"'));
  await page.getByText(moving.vmId, { exact: false }).first().waitFor({ timeout: 120_000 });
  await page.screenshot({ path: path.join(shots, 'in-flight-migrations.png'), fullPage: true });

  // The same list filtered on another phase must not show it: the filter really is on bootshift's attribute.
  await page.goto(list('VmPhase="settled"'));
  await page.getByText(/No Workflows|No results/i).first().waitFor({ timeout: 120_000 });
  expect(await page.getByText(moving.vmId, { exact: false }).count()).toBe(0);
  await page.screenshot({ path: path.join(shots, 'settled-none.png'), fullPage: true });
  await page.close();
  await handle.cancel();
});

test("user-data never lies in clear in Temporal: the plain temporal CLI sees sealed payloads, the UI decodes them through the worker's codec endpoint", async () => {
  const marker = `s3cr3t-${randomUUID()}`;
  const vmId = `vm/ui/test/sealed`;
  const spec = {
    name: 'sealed',
    vcpus: 1,
    memoryMiB: 128,
    image: { kind: 'cloud' as const, volume: CLOUD_IMAGE, diskGiB: 4, userData: `#cloud-config\n# the root password: ${marker}\nruncmd: [ [ true ] ]\n` },
    fleet: env.fleet,
  };
  const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: vmId, args: [{ vmId, spec }] });
  await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'booted' }] });

  // What anyone with access to Temporal (and no key) sees: the history with its payloads sealed.
  const shown = await run(toolPath('temporal'), ['workflow', 'show', '--workflow-id', vmId, '--address', env.temporal.address, '--output', 'json']);
  expect(shown.stdout).toContain('WORKFLOW_EXECUTION_STARTED');
  expect(shown.stdout).not.toContain(marker);
  expect(shown.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));

  // What an operator sees in the UI, which decodes through the worker's codec endpoint.
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  await page.goto(`${env.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(vmId)}/${handle.firstExecutionRunId}/history`);
  await page.getByText(marker, { exact: false }).first().waitFor({ timeout: 120_000 });
  await page.screenshot({ path: path.join(shots, 'decoded-input.png'), fullPage: true });
  await page.close();
  await handle.cancel();
});

test("the workflow's page explains the VM: its summary and details, what it is doing now and what each step does, decoded through the codec endpoint", async () => {
  const input = vmInput('vm/ui/test/explained', env.fleet);
  const { staticSummary } = vmMetadata('provision', input);
  const handle = await client.workflow.start(provisionVm, { taskQueue: env.taskQueue, workflowId: input.vmId, args: [input], ...vmMetadata('provision', input) });
  await handle.executeUpdate(waitForPhaseUpdate, { args: [{ phase: 'migrating' }] });
  const { bootHost, settleHost } = await handle.query(getStatusQuery);
  // The UI reads current details once per page load: load it once the first progress report has arrived.
  const progress = new RegExp(`^migrating ${bootHost} → ${settleHost}, \\d+%, [\\d.]+ MiB/s$`);
  const currentDetails = async () => (await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata')).currentDetails;
  await waitFor(async () => progress.test(await currentDetails()), { timeoutMs: 120_000, what: 'the first migration progress report' });

  // User metadata is a payload like any other: sealed for anyone without the key.
  const described = await run(toolPath('temporal'), ['workflow', 'describe', '--workflow-id', input.vmId, '--address', env.temporal.address, '--output', 'json']);
  expect(described.stdout).toContain('userMetadata');
  expect(described.stdout).not.toContain(staticSummary!);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${env.temporal.uiUrl}/namespaces/default/workflows/${encodeURIComponent(input.vmId)}/${handle.firstExecutionRunId}/user-metadata`);
  // UI 2.42 renders each markdown text (summary, details, current details, in that order) in a frame of its own.
  const rendered = page.frameLocator('iframe[title="output"]');
  await rendered.first().getByText(staticSummary!, { exact: true }).waitFor({ timeout: 120_000 });
  await rendered.nth(1).getByText(`image: kernel ${SIMULATED_IMAGE.kernel}, initrd ${SIMULATED_IMAGE.initrd}`).waitFor({ timeout: 120_000 });
  await rendered.last().getByText(progress).waitFor({ timeout: 120_000 });
  await page.getByText(`live-migrate explained ${bootHost} → ${settleHost}`, { exact: true }).waitFor({ timeout: 120_000 });
  await page.getByText(`define and start explained on ${bootHost}`, { exact: true }).waitFor({ timeout: 120_000 });
  const shot = path.join(shots, 'workflow-user-metadata.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`the workflow's page with its summary and current details: ${shot}`);
  await page.close();
  await handle.cancel();
});
