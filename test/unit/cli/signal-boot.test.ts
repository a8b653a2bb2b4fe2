// The operator override is only sent to a VM still waiting for its boot-complete signal, and says who sent it.
import { manualBootEvent, refuseUnlessBooting } from '../../../cli/vm/commands';
import { vmStatus } from './fixtures';

test('the signal is marked manual and carries the operator', () => {
  expect(manualBootEvent('alice')).toEqual({ source: 'manual', detail: { via: 'cli', operator: 'alice' } });
});

test('a booting VM that has not reported boot complete takes it', () => {
  expect(() => refuseUnlessBooting(vmStatus('web', 'booting'))).not.toThrow();
});

test.each(['placing', 'migrating', 'settled', 'unsettled', 'failed', 'decommissioned'] as const)('a %s VM is refused (exit code 5)', (phase) => {
  expect(() => refuseUnlessBooting(vmStatus('web', phase))).toThrow(
    expect.objectContaining({ exitCode: 5, message: `VM web is ${phase}, not booting: a boot-complete signal would be ignored` }),
  );
});

test('a booting VM that already reported boot complete is refused', () => {
  const booted = vmStatus('web', 'booting', { bootSource: 'guest', timings: { requestedAt: 0, bootStartedAt: 1, bootedAt: 2 } });
  expect(() => refuseUnlessBooting(booted)).toThrow(expect.objectContaining({ exitCode: 5, message: 'VM web has already reported boot complete (from guest)' }));
});
