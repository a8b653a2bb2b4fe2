// A VM is named by its name or its workflow id; a name must designate exactly one VM workflow.
import { parseVmArg, pickVm } from '../../../cli/vm/query';
import type { VmRow } from '../../../cli/vm/query';

const row = (workflowId: string, startTime: string, runId = `run-${startTime}`): VmRow => ({
  name: 'web',
  phase: 'settled',
  host: 'settle-1',
  bootHost: 'boot-1',
  settleHost: 'settle-1',
  workflowId,
  runId,
  workflowStatus: 'COMPLETED',
  startTime,
  closeTime: null,
});

test('a "/" makes a workflow id; a valid name is a name; anything else is a usage error naming the argument', () => {
  expect(parseVmArg('vm/proj/dev/web')).toEqual({ workflowId: 'vm/proj/dev/web' });
  expect(parseVmArg('web-1')).toEqual({ name: 'web-1' });
  for (const bad of ['Web', '1web', 'web_1', '']) {
    expect(() => parseVmArg(bad)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^NAME\|WORKFLOW_ID: /) }));
  }
});

test('the newest run of the one matching workflow is picked', () => {
  const rows = [row('vm/p/dev/web', '2025-01-01T00:00:00.000Z'), row('vm/p/dev/web', '2025-01-02T00:00:00.000Z')];
  expect(pickVm('web', rows).runId).toBe('run-2025-01-02T00:00:00.000Z');
});

test('no match is "not found" (exit code 3)', () => {
  expect(() => pickVm('web', [])).toThrow(expect.objectContaining({ exitCode: 3, message: 'no VM named "web"' }));
});

test('the same name in two stacks is ambiguous (exit code 3) and the message lists the workflow ids', () => {
  const rows = [row('vm/p/dev/web', '2025-01-01T00:00:00.000Z'), row('vm/p/prod/web', '2025-01-01T00:00:00.000Z')];
  expect(() => pickVm('web', rows)).toThrow(
    expect.objectContaining({ exitCode: 3, message: 'VM name "web" is ambiguous; use one of these workflow ids:\n  vm/p/dev/web\n  vm/p/prod/web' }),
  );
});
