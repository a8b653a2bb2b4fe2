// Visibility queries select provisionVm workflows only, and rows read the search attributes whichever way the
// server returned them (typed, or the deprecated untyped lists).
import { TypedSearchAttributes } from '@temporalio/common';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { newestFirst, vmListQuery, vmNamesQuery, vmRow, VM_PHASES, type VmRow } from '../../../cli/vm/query';
import { bootHostKey, settleHostKey, vmHostKey, vmNameKey, vmPhaseKey } from '../../../workflows/messages';

test('queries', () => {
  expect(vmListQuery()).toBe("WorkflowType = 'provisionVm'");
  expect(vmListQuery({ phase: 'booting' })).toBe("WorkflowType = 'provisionVm' AND VmPhase = 'booting'");
  expect(vmListQuery({ running: true })).toBe("WorkflowType = 'provisionVm' AND ExecutionStatus = 'Running'");
  expect(vmNamesQuery(['a', 'b'])).toBe("WorkflowType = 'provisionVm' AND (VmName = 'a' OR VmName = 'b')");
});

test('every VM phase can be filtered on', () => {
  expect(VM_PHASES).toEqual(['placing', 'booting', 'migrating', 'settled', 'unsettled', 'failed', 'decommissioned']);
});

const execution = (attributes: Partial<Pick<WorkflowExecutionInfo, 'typedSearchAttributes' | 'searchAttributes'>>) =>
  ({
    workflowId: 'vm/p/dev/web',
    runId: 'r1',
    status: { code: 2, name: 'COMPLETED' },
    startTime: new Date('2025-01-01T00:00:00Z'),
    closeTime: new Date('2025-01-01T00:00:05Z'),
    typedSearchAttributes: new TypedSearchAttributes(),
    searchAttributes: {},
    ...attributes,
  }) as WorkflowExecutionInfo;

const expected: VmRow = {
  name: 'web',
  phase: 'settled',
  host: 'settle-1',
  bootHost: 'boot-1',
  settleHost: 'settle-1',
  workflowId: 'vm/p/dev/web',
  runId: 'r1',
  workflowStatus: 'COMPLETED',
  startTime: '2025-01-01T00:00:00.000Z',
  closeTime: '2025-01-01T00:00:05.000Z',
};

test('a row from typed search attributes', () => {
  const typed = new TypedSearchAttributes([
    { key: vmNameKey, value: 'web' },
    { key: vmPhaseKey, value: 'settled' },
    { key: vmHostKey, value: 'settle-1' },
    { key: bootHostKey, value: 'boot-1' },
    { key: settleHostKey, value: 'settle-1' },
  ]);
  expect(vmRow(execution({ typedSearchAttributes: typed }))).toEqual(expected);
});

test('a row from untyped search attributes, and null for what is unset', () => {
  const untyped = { VmName: ['web'], VmPhase: ['settled'], VmHost: ['settle-1'], BootHost: ['boot-1'], SettleHost: ['settle-1'] };
  expect(vmRow(execution({ searchAttributes: untyped }))).toEqual(expected);
  expect(vmRow(execution({ searchAttributes: { VmName: ['web'] } }))).toMatchObject({ name: 'web', phase: null, host: null });
});

test('newest first', () => {
  const rows = ['2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z'].map((startTime) => ({ ...expected, startTime }));
  expect(newestFirst(rows).map((r) => r.startTime.slice(5, 7))).toEqual(['03', '02', '01']);
});
