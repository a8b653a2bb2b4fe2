import {
  InventoryError,
  LedgerInputError,
  validateCommitMove,
  validateDrainHost,
  validateRelease,
  validateReserveBoot,
  validateReserveSettle,
  validateResyncInventory,
} from '../../../domain';

function issuesOf(validate: (input: unknown) => unknown, input: unknown): string[] {
  try {
    validate(input);
  } catch (e) {
    if (e instanceof LedgerInputError || e instanceof InventoryError) return e.issues;
    throw e;
  }
  throw new Error('expected a validation error');
}

describe('ledger request validators', () => {
  it('accept and return valid requests', () => {
    const boot = { reservationId: 'vm/p/s/a:boot', vmId: 'vm/p/s/a', workflowId: 'vm/p/s/a', vcpus: 2, memoryMiB: 128 };
    expect(validateReserveBoot(boot)).toEqual(boot);
    expect(validateReserveSettle({ reservationId: 'r', vmId: 'v', exclude: ['s-1'] })).toEqual({ reservationId: 'r', vmId: 'v', exclude: ['s-1'] });
    expect(validateCommitMove({ reservationId: 'r', vmId: 'v' })).toEqual({ reservationId: 'r', vmId: 'v' });
    expect(validateRelease({ reservationId: 'r' })).toEqual({ reservationId: 'r' });
    expect(validateDrainHost({ host: 'h-1' })).toEqual({ host: 'h-1' });
  });

  it('list every broken field', () => {
    expect(issuesOf(validateReserveBoot, { reservationId: '__proto__', vmId: 'a b', vcpus: 0, memoryMiB: 32, antiAffinityGroup: 'X', x: 1 })).toEqual([
      'reservationId: must be 1-255 characters of A-Z, a-z, 0-9, ".", "_", ":", "/", "@" and "-"',
      'vmId: must be 1-255 characters of A-Z, a-z, 0-9, ".", "_", ":", "/", "@" and "-"',
      'workflowId: is required',
      'vcpus: must be an integer from 1 to 64',
      'memoryMiB: must be an integer from 64 to 1048576',
      'antiAffinityGroup: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'x: is not a known field',
    ]);
    expect(issuesOf(validateReserveSettle, { reservationId: 'r', vmId: 'v', exclude: ['ok', 'Bad'] })).toEqual([
      'exclude[1]: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
    ]);
    expect(issuesOf(validateCommitMove, { vmId: 'v' })).toEqual(['reservationId: is required']);
    expect(issuesOf(validateRelease, null)).toEqual(['must be an object']);
    expect(issuesOf(validateDrainHost, { host: 1 })).toEqual(['host: must be a string']);
    expect(issuesOf(validateResyncInventory, { fleet: 'f', hosts: [] })).toEqual(['hosts: must list at least one host']);
  });
});
