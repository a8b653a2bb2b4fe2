// The operator override says it is manual and who sent it; whether the VM takes it is the workflow's rule (the
// bootComplete update's validator, tested with the workflows).
import { manualBootEvent } from '../../../cli/vm/commands';

test('the report is marked manual and carries the operator', () => {
  expect(manualBootEvent('alice')).toEqual({ source: 'manual', detail: { via: 'cli', operator: 'alice' } });
});
