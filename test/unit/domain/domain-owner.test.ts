// The ownership rule both hypervisor adapters apply before a destroy: what may be destroyed for whom.
import fc from 'fast-check';
import { ownershipOf } from '../../../domain';

const id = fc.constantFrom('vm/p/s/a', 'vm/p/s/b');
const run = fc.option(fc.constantFrom('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'), { nil: undefined });

describe('ownershipOf', () => {
  it('names the cases', () => {
    expect(ownershipOf(undefined, { vmId: 'vm/p/s/a' })).toBe('another-vm');
    expect(ownershipOf({ vmId: 'vm/p/s/b', firstRunId: 'r1' }, { vmId: 'vm/p/s/a', firstRunId: 'r1' })).toBe('another-vm');
    expect(ownershipOf({ vmId: 'vm/p/s/a', firstRunId: 'r2' }, { vmId: 'vm/p/s/a', firstRunId: 'r1' })).toBe('another-run');
    expect(ownershipOf({ vmId: 'vm/p/s/a', firstRunId: 'r2' }, { vmId: 'vm/p/s/a' })).toBe('ours');
    expect(ownershipOf({ vmId: 'vm/p/s/a' }, { vmId: 'vm/p/s/a', firstRunId: 'r1' })).toBe('ours');
  });

  it('never gives a VM another VM’s domain, and never another provisioning’s once both name theirs', () => {
    fc.assert(
      fc.property(id, run, id, run, (theirVm, theirRun, ourVm, ourRun) => {
        const verdict = ownershipOf({ vmId: theirVm, ...(theirRun && { firstRunId: theirRun }) }, { vmId: ourVm, ...(ourRun && { firstRunId: ourRun }) });
        if (theirVm !== ourVm) return verdict === 'another-vm';
        if (theirRun !== undefined && ourRun !== undefined) return verdict === (theirRun === ourRun ? 'ours' : 'another-run');
        return verdict === 'ours';
      }),
    );
  });
});
