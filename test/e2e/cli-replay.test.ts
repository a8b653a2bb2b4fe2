// `bootshift replay` (the built CLI) as a CI job runs it before an upgrade, against a real dev environment (Temporal,
// the worker process with its payload encryption, simulated hosts): after a few real provisioning runs and a
// decommission, every history replays against the installed workflow code; against a deliberately changed
// provisionVm (test/replay/changed-workflows: a timer before the first step) each provisioning history is reported
// by workflow id, run id and first diverging event, with exit 7, while the decommission still replays.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ReplayReport } from '../../cli/replay';
import type { SetupReport } from '../../cli/setup';
import { searchAttributeKeys } from '../../workflows/messages';
import type { DevEnvRecord } from '../../devenv/dev-env';
import { requireBuiltCli, runBuiltCli } from '../helpers/built-cli';
import { devEnvSession } from '../helpers/dev-env-session';
import { vmInput } from '../helpers/vm-input';

jest.setTimeout(600_000);

const { EventType } = temporal.api.enums.v1;
const pascal = (name: string) => name.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase());

const session = devEnvSession('cli-replay');
let env: DevEnvRecord;
let client: Client;
const provisioned: Array<{ workflowId: string; runId: string }> = [];
let decommission: { workflowId: string; runId: string };

const cli = (...args: string[]) => runBuiltCli(['--state-dir', env.stateDir, ...args]);
const CHANGED_WORKFLOWS = require.resolve('../replay/changed-workflows');

beforeAll(async () => {
  requireBuiltCli();
  ({ env, client } = await session.start({ hypervisor: 'simulated', ui: false, boot: 1, settle: 1 }));
  const ids = ['alpha', 'beta', 'gamma'].map((name) => `vm/replay-e2e/${process.pid}/${name}`);
  const handles = await Promise.all(
    ids.map((id) => client.workflow.start('provisionVm', { taskQueue: env.taskQueue, workflowId: id, args: [vmInput(id, env.fleet)] })),
  );
  for (const handle of handles) {
    await handle.result();
    provisioned.push({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId });
  }
  const gone = await client.workflow.start('decommissionVm', {
    taskQueue: env.taskQueue,
    workflowId: `${ids[0]}/decommission`,
    args: [{ vmId: ids[0]!, provisionWorkflowId: ids[0]!, fleet: env.fleet }],
  });
  await gone.result();
  decommission = { workflowId: gone.workflowId, runId: gone.firstExecutionRunId };
});

test('setup on the dev environment finds everything in place and the worker polling', async () => {
  const run = await cli('setup', '--require-pollers', '--json');
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const report = JSON.parse(run.stdout) as SetupReport;
  expect(report.searchAttributes).toEqual({ added: [], present: searchAttributeKeys.map((k) => k.name) });
  expect(report.taskQueue.workflowPollers.length).toBeGreaterThan(0);
  expect(report.taskQueue.activityPollers.length).toBeGreaterThan(0);
});

test('every history replays against the installed workflow code (exit 0)', async () => {
  const run = await cli('replay');
  expect(run).toMatchObject({ code: 0, stderr: '' });
  expect(run.stdout).toMatch(
    /^replayed 4 histories \(1 decommissionVm, 3 provisionVm\) from namespace default against \S+\/lib\/workflows\/index\.js: all replay deterministically\n$/,
  );

  const json = JSON.parse((await cli('replay', '--json')).stdout) as ReplayReport;
  expect(json).toMatchObject({ replayed: 4, failures: [], truncated: false });
});

test('a changed provisionVm: each provisioning history is named with its first diverging event, exit 7', async () => {
  const run = await cli('replay', '--workflows', CHANGED_WORKFLOWS);
  expect(run.code).toBe(7);
  for (const { workflowId, runId } of provisioned) {
    expect(run.stdout).toMatch(new RegExp(`^provisionVm ${workflowId} \\(run ${runId}\\): nondeterministic at event \\d+ [A-Z][A-Za-z]+\\n  .*Nondeterminism`, 'm'));
  }
  expect(run.stdout).not.toContain(decommission.workflowId);
  expect(run.stdout).toMatch(/\nreplayed 4 histories \(1 decommissionVm, 3 provisionVm\) .*: 3 failed to replay\n$/);
  expect(run.stderr).toBe(`bootshift: 3 of 4 workflow histories do not replay against ${CHANGED_WORKFLOWS}: the code cannot continue them\n`);

  // The event named is one the history really has at that id: the first the changed code could not reproduce.
  const json = JSON.parse((await cli('replay', '--workflows', CHANGED_WORKFLOWS, '--json', '--query', "WorkflowType = 'provisionVm'")).stdout) as ReplayReport;
  expect(json.replayed).toBe(3);
  expect(json.failures.map((f) => f.runId).sort()).toEqual(provisioned.map((p) => p.runId).sort());
  for (const failure of json.failures) {
    const events = (await client.workflow.getHandle(failure.workflowId, failure.runId).fetchHistory()).events ?? [];
    // The changed code starts a timer where the real one issued its first command: the event after the first
    // workflow task completed is where they part.
    const firstCompleted = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const expected = events[firstCompleted + 1]!;
    expect(failure).toMatchObject({
      kind: 'nondeterminism',
      workflowType: 'provisionVm',
      event: { eventId: Number(expected.eventId), eventType: pascal(EventType[expected.eventType!]) },
    });
  }
});

test('--limit replays the newest histories only and says so; a query the server rejects is exit 2 naming --query', async () => {
  const limited = await cli('replay', '--limit', '2');
  expect(limited).toMatchObject({ code: 0 });
  expect(limited.stdout).toMatch(/^replayed 2 histories .*\nonly the first 2 matching histories were replayed: raise --limit to replay more\n$/);

  const rejected = await cli('replay', '--query', 'NoSuchAttribute = 1');
  expect(rejected).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^bootshift: --query: the server rejects the query: .*NoSuchAttribute/) });
});
