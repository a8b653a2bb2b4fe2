// watchVms against a scripted stand-in for the Temporal client: each status query returns the next status of its
// VM. Checks what a log sees (one line per phase change), when the watch ends, and that a workflow closed before a
// final phase (terminated) ends the watch as failed instead of hanging it.
import { PassThrough } from 'node:stream';
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowNotFoundError } from '@temporalio/common';
import { CliError } from '../../../cli/errors';
import { watchVms } from '../../../cli/vm/watch';
import type { VmStatus } from '../../../workflows/types';
import { vmStatus } from './fixtures';

interface Script {
  statuses: VmStatus[];
  /** Temporal's execution status, as describe() reports it */
  workflowStatus?: string;
}

/** `listed`: what a visibility query returns, as [workflowId, runId, startTime]. */
function scriptedClient(scripts: Record<string, Script>, listed: Array<[string, string, string]> = []): { client: Client; queries: string[] } {
  const queries: string[] = [];
  const getHandle = (workflowId: string, runId?: string) => {
    const script = scripts[workflowId];
    let next = 0;
    return {
      workflowId,
      query: async () => {
        if (!script) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
        queries.push(runId ? `${workflowId}@${runId}` : workflowId);
        return script.statuses[Math.min(next++, script.statuses.length - 1)];
      },
      describe: async () => ({ status: { name: script?.workflowStatus ?? 'RUNNING' } }),
    };
  };
  async function* list() {
    for (const [workflowId, runId, startTime] of listed) {
      yield { workflowId, runId, startTime: new Date(startTime), status: { name: 'RUNNING' }, typedSearchAttributes: new TypedSearchAttributes(), searchAttributes: {} };
    }
  }
  return { client: { workflow: { getHandle, list } } as unknown as Client, queries };
}

function capture(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += String(chunk)));
  return { out: Object.assign(stream, { isTTY, columns: 120 }) as unknown as NodeJS.WriteStream, text: () => text };
}

test('not on a TTY: one plain line per phase change, and it resolves with the final statuses in order', async () => {
  const { client } = scriptedClient({
    a: { statuses: [vmStatus('a', 'placing'), vmStatus('a', 'booting'), vmStatus('a', 'booting'), vmStatus('a', 'migrating'), vmStatus('a', 'settled')] },
    b: { statuses: [vmStatus('b', 'booting'), vmStatus('b', 'unsettled')] },
  });
  const { out, text } = capture(false);
  const statuses = await watchVms({ client, workflowIds: ['a', 'b'], out, intervalMs: 1 });
  expect(statuses.map((s) => `${s.name}:${s.phase}`)).toEqual(['a:settled', 'b:unsettled']);
  const lines = text().trim().split('\n').map((l) => l.trim().replace(/^\S+ \S+ +/, ''));
  expect(lines).toEqual([
    'a  placing',
    'b  booting on boot-1',
    'a  booting on boot-1',
    'b  unsettled, kept on boot host boot-1: no settle host fits',
    'a  migrating boot-1 -> settle-1 [####------] 40%',
    'a  settled on settle-1 (boot 1.2 s, migration 1.1 s)',
  ]);
  expect(text()).not.toMatch(/\u001b/);
});

test('a VM that reached its final phase is not queried again', async () => {
  const { client, queries } = scriptedClient({
    done: { statuses: [vmStatus('done', 'settled')] },
    slow: { statuses: [vmStatus('slow', 'booting'), vmStatus('slow', 'booting'), vmStatus('slow', 'booting'), vmStatus('slow', 'settled')] },
  });
  await watchVms({ client, workflowIds: ['done', 'slow'], out: capture(false).out, intervalMs: 1 });
  expect(queries.filter((id) => id === 'done')).toHaveLength(1);
  expect(queries.filter((id) => id === 'slow')).toHaveLength(4);
});

test('until booted: ends once the boot-complete signal is in, before migration', async () => {
  const booted = vmStatus('a', 'booting', { timings: { ...vmStatus('a', 'migrating').timings, migrateStartedAt: undefined } });
  const { client } = scriptedClient({ a: { statuses: [vmStatus('a', 'booting'), booted, vmStatus('a', 'migrating')] } });
  const [status] = await watchVms({ client, workflowIds: ['a'], until: 'booted', out: capture(false).out, intervalMs: 1 });
  expect(status!.timings.bootedAt).toBeDefined();
  expect(status!.phase).toBe('booting');
});

test('a workflow terminated while booting ends the watch as failed, saying so', async () => {
  const { client } = scriptedClient({ a: { statuses: [vmStatus('a', 'booting')], workflowStatus: 'TERMINATED' } });
  const [status] = await watchVms({ client, workflowIds: ['a'], out: capture(false).out, intervalMs: 1 });
  expect(status).toMatchObject({ phase: 'failed', error: 'workflow terminated while booting; its clean-up did not run' });
});

test('given a visibility query, it watches the newest run of each workflow found', async () => {
  const listed: Array<[string, string, string]> = [
    ['a', 'old', '2025-01-01T00:00:00.000Z'],
    ['b', 'only', '2025-01-01T00:00:01.000Z'],
    ['a', 'new', '2025-01-02T00:00:00.000Z'],
  ];
  const { client, queries } = scriptedClient({ a: { statuses: [vmStatus('a', 'settled')] }, b: { statuses: [vmStatus('b', 'settled')] } }, listed);
  const statuses = await watchVms({ client, vmNamesQuery: "WorkflowType = 'provisionVm'", out: capture(false).out, intervalMs: 1 });
  expect(statuses.map((s) => s.name).sort()).toEqual(['a', 'b']);
  expect(queries.sort()).toEqual(['a@new', 'b@only']);
});

test('an unknown workflow id is a not-found error (exit code 3)', async () => {
  const { client } = scriptedClient({});
  await expect(watchVms({ client, workflowIds: ['nope'], out: capture(false).out, intervalMs: 1 })).rejects.toEqual(
    new CliError(3, 'VM workflow nope not found'),
  );
});

test('on a TTY: the frame is redrawn in place and the last frame shows every VM done', async () => {
  const { client } = scriptedClient({ a: { statuses: [vmStatus('a', 'booting'), vmStatus('a', 'migrating'), vmStatus('a', 'settled')] } });
  const { out, text } = capture(true);
  await watchVms({ client, workflowIds: ['a'], out, intervalMs: 1 });
  // log-update erases the previous frame's lines (ESC [2K) before drawing the next.
  expect(text()).toMatch(/\u001b\[2K/);
  const frames = text().split(/\u001b\[[0-9;]*[A-Za-z]/).filter((f) => f.trim() !== '');
  expect(frames.at(-1)!.trim()).toMatch(/^a\s+\[#{20}\]\s+2\.6 s\s+settled on settle-1/);
});
