// What every Hypervisor adapter's destroy must honour with an owner, run against each one from its own test file.
// Names are hashes of the VM id: a VM re-created under its id has its old name, and a late destroy must spare it.
import { randomUUID } from 'node:crypto';
import { Failure } from '../../../domain';
import type { DomainSpec, HostRef, Hypervisor } from '../../../activities/hypervisor';

export interface DestroyOwnerSubject {
  hv: Hypervisor;
  host: HostRef;
  /** A domain the adapter can define on `host`; its metadata is set by the contract. */
  vm: DomainSpec;
  /** Checked after the refused destroys: the adapter sent nothing that could have hurt the domain. */
  nothingDestroyed?: () => void;
}

export function destroyOwnerContract(subject: () => DestroyOwnerSubject): void {
  it('destroys with an owner only the domain of that VM and that provisioning', async () => {
    const { hv, host, vm: base, nothingDestroyed } = subject();
    const [first, later] = [randomUUID(), randomUUID()];
    const vm = { ...base, metadata: { vmId: 'vm/p/s/web', workflowId: 'vm/p/s/web', firstRunId: later } };
    await hv.defineAndStart(host, vm);
    await expect(hv.destroy(host, vm.name, { vmId: 'vm/p/s/db' })).rejects.toMatchObject({ type: Failure.DomainConflict, permanent: true });
    await expect(hv.destroy(host, vm.name, { vmId: 'vm/p/s/web', firstRunId: first })).resolves.toEqual({ existed: false, anotherRun: true });
    await expect(hv.domainState(host, vm.name)).resolves.not.toBeNull();
    nothingDestroyed?.();
    await expect(hv.destroy(host, vm.name, { vmId: 'vm/p/s/web', firstRunId: later })).resolves.toEqual({ existed: true });
    await expect(hv.domainState(host, vm.name)).resolves.toBeNull();
  });

  it('judges a domain defined before run chains were recorded by its VM id alone', async () => {
    const { hv, host, vm: base } = subject();
    const vm = { ...base, metadata: { vmId: 'vm/p/s/web', workflowId: 'vm/p/s/web' } };
    await hv.defineAndStart(host, vm);
    await expect(hv.destroy(host, vm.name, { vmId: 'vm/p/s/web', firstRunId: randomUUID() })).resolves.toEqual({ existed: true });
  });
}
