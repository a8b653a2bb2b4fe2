// The libvirt adapter's decisions (idempotent define, destroy of what is gone, migration watch, abort and verify)
// against a scripted virsh, so each branch is reached on purpose; test/e2e covers the same against real hosts.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Failure } from '../../../domain';
import { HypervisorError, type DomainSpec, type HostRef, type MigrationProgress } from '../../../activities/hypervisor';
import { createLibvirtHypervisor } from '../../../activities/libvirt/libvirt-hypervisor';
import { destroyOwnerContract } from './destroy-owner-contract';
import { fakeVirsh, type FakeVirsh } from './fake-virsh';

const boot: HostRef = { name: 'boot-1', uri: 'qemu+unix:///system?socket=/run/h0/libvirt-sock' };
const settle: HostRef = { name: 'settle-1', uri: 'qemu+unix:///system?socket=/run/h1/libvirt-sock', migrationAddress: '10.0.0.7' };

function spec(name = `vm-${randomUUID().slice(0, 8)}`): DomainSpec {
  return { name, uuid: randomUUID(), vcpus: 1, memoryMiB: 128, image: { kind: 'kernel', kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0' } };
}

function setup(options: { pollIntervalMs?: number; migrationTimeoutMs?: number } = {}) {
  const virsh = fakeVirsh([boot.uri, settle.uri]);
  return { virsh, hv: createLibvirtHypervisor({ virsh: virsh.run, pollIntervalMs: 5, ...options }) };
}

const commands = (virsh: FakeVirsh) => virsh.calls.map((call) => call.args[0]);

describe('defineAndStart', () => {
  it('defines from a private temporary file, starts, and finds the domain on a second call', async () => {
    const { virsh, hv } = setup();
    const vm = spec();
    await expect(hv.defineAndStart(boot, vm)).resolves.toEqual({ created: true, state: { state: 'running', reason: 'booted' } });
    const define = virsh.calls.find((call) => call.args[0] === 'define');
    expect(define?.args.slice(0, 2)).toEqual(['define', '--validate']);
    expect(virsh.defineFileModes).toEqual([0o600]);
    expect(existsSync(define?.args[2] as string)).toBe(false);
    await expect(hv.defineAndStart(boot, vm)).resolves.toEqual({ created: false, state: { state: 'running', reason: 'booted' } });
    expect(commands(virsh).filter((c) => c === 'define' || c === 'start')).toEqual(['define', 'start']);
  });

  it('starts a shut-off domain of the same uuid without redefining it', async () => {
    const { virsh, hv } = setup();
    const vm = spec();
    virsh.hosts.get(boot.uri)?.set(vm.name, { uuid: vm.uuid, state: 'shut off (crashed)', xml: '' });
    await expect(hv.defineAndStart(boot, vm)).resolves.toMatchObject({ created: false, state: { state: 'running' } });
    expect(commands(virsh)).not.toContain('define');
    expect(commands(virsh)).toContain('start');
  });

  it('refuses, permanently, a domain of that name with another uuid', async () => {
    const { virsh, hv } = setup();
    const vm = spec();
    virsh.hosts.get(boot.uri)?.set(vm.name, { uuid: randomUUID(), state: 'running (booted)', xml: '' });
    await expect(hv.defineAndStart(boot, vm)).rejects.toMatchObject({ type: Failure.DomainConflict, permanent: true });
    expect(commands(virsh)).not.toContain('define');
  });

  it('takes "already active" on start as success (a concurrent attempt started it)', async () => {
    const { virsh, hv } = setup();
    virsh.failWhen((c) => c.args[0] === 'start', "error: Failed to start domain 'x'\nerror: Requested operation is not valid: domain is already active");
    await expect(hv.defineAndStart(boot, spec())).resolves.toMatchObject({ created: true });
  });

  it('rejects bad names and hosts before running virsh', async () => {
    const { virsh, hv } = setup();
    await expect(hv.defineAndStart(boot, spec('-bad name'))).rejects.toMatchObject({ type: Failure.InvalidDomainSpec, permanent: true });
    await expect(hv.defineAndStart({ ...boot, uri: 'qemu:///system; rm -rf /' }, spec())).rejects.toMatchObject({ type: Failure.InvalidHost, permanent: true });
    await expect(hv.defineAndStart({ ...boot, uri: 'http://x/' }, spec())).rejects.toBeInstanceOf(HypervisorError);
    await expect(hv.destroy(boot, 'a'.repeat(65))).rejects.toMatchObject({ permanent: true });
    expect(virsh.calls).toHaveLength(0);
  });

  it('reports transient connection trouble as retryable', async () => {
    const { hv } = setup();
    const down = { ...boot, uri: 'qemu+unix:///system?socket=/run/down/libvirt-sock' };
    await expect(hv.defineAndStart(down, spec())).rejects.toMatchObject({ type: 'HypervisorUnavailable', permanent: false });
  });
});

describe('destroy', () => {
  it('destroys and undefines, then reports a missing domain as existed: false', async () => {
    const { virsh, hv } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    await expect(hv.destroy(boot, vm.name)).resolves.toEqual({ existed: true });
    expect(virsh.hosts.get(boot.uri)?.has(vm.name)).toBe(false);
    await expect(hv.destroy(boot, vm.name)).resolves.toEqual({ existed: false });
  });

  it('undefines a shut-off domain and retries undefine with --managed-save when libvirt asks for it', async () => {
    const { virsh, hv } = setup();
    virsh.hosts.get(boot.uri)?.set('old', { uuid: randomUUID(), state: 'shut off (saved)', xml: '' });
    virsh.failWhen((c) => c.args[0] === 'undefine' && !c.args.includes('--managed-save'), 'error: Refusing to undefine while domain managed save image exists');
    await expect(hv.destroy(boot, 'old')).resolves.toEqual({ existed: true });
    expect(virsh.calls.filter((c) => c.args[0] === 'undefine').map((c) => c.args)).toEqual([['undefine', 'old'], ['undefine', 'old', '--managed-save']]);
  });

});

describe('destroy with an owner', () => {
  destroyOwnerContract(() => {
    const { virsh, hv } = setup();
    return { hv, host: boot, vm: spec(), nothingDestroyed: () => expect(commands(virsh).filter((c) => c === 'destroy' || c === 'undefine')).toEqual([]) };
  });
});

describe('domainState, listDomains, hostFacts', () => {
  it('answers from virsh output', async () => {
    const { hv } = setup();
    const vm = { ...spec(), metadata: { workflowId: 'vm/p/s/n' } };
    await hv.defineAndStart(boot, vm);
    await expect(hv.domainState(boot, vm.name)).resolves.toEqual({ state: 'running', reason: 'booted' });
    await expect(hv.domainState(settle, vm.name)).resolves.toBeNull();
    await expect(hv.listDomains(boot)).resolves.toEqual([{ name: vm.name, state: { state: 'running', reason: 'booted' }, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, metadata: vm.metadata }]);
    await expect(hv.hostFacts(boot)).resolves.toEqual({ cpus: 8, memoryMiB: 16384 });
  });
});

describe('migrate', () => {
  async function running(virsh: FakeVirsh, hv: ReturnType<typeof setup>['hv']) {
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    virsh.calls.length = 0;
    return vm.name;
  }

  it('runs virsh migrate with the flags that move the definition, reports progress, verifies the move', async () => {
    const { virsh, hv } = setup();
    const name = await running(virsh, hv);
    const progress: MigrationProgress[] = [];
    const started = virsh.migrationStarted();
    const done = hv.migrate({ domain: name, from: boot, to: settle, onProgress: (p) => (progress.push(p), progress.length === 2 && virsh.migration?.finish()) });
    await started;
    await expect(done).resolves.toEqual({ durationMs: expect.any(Number) });
    const migrate = virsh.calls.find((c) => c.args[0] === 'migrate');
    expect(migrate?.uri).toBe(boot.uri);
    expect(migrate?.args).toEqual(['migrate', '--live', '--persistent', '--undefinesource', '--verbose', name, settle.uri, '--migrateuri', 'tcp://10.0.0.7']);
    expect(progress[0]).toMatchObject({ percent: 25, dataRemainingMiB: 96 });
    expect(virsh.hosts.get(settle.uri)?.get(name)?.state).toBe('running (migrated)');
  });

  it('leaves --migrateuri out without a migration address and brackets IPv6 addresses', async () => {
    const cases: Array<[HostRef, string[]]> = [
      [{ ...settle, migrationAddress: undefined }, []],
      [{ ...settle, migrationAddress: 'fd00::7' }, ['--migrateuri', 'tcp://[fd00::7]']],
    ];
    for (const [to, expected] of cases) {
      const { virsh, hv } = setup();
      const name = await running(virsh, hv);
      const started = virsh.migrationStarted();
      const done = hv.migrate({ domain: name, from: boot, to });
      await started;
      virsh.migration?.finish();
      await done;
      expect(virsh.calls.find((c) => c.args[0] === 'migrate')?.args.slice(7)).toEqual(expected);
    }
  });

  it('copies the disk (its top layer, vda only, NBD on the migration address) and encrypts the streams when asked', async () => {
    const { virsh, hv } = setup();
    const name = await running(virsh, hv);
    const started = virsh.migrationStarted();
    const done = hv.migrate({ domain: name, from: boot, to: settle, copyStorage: true, tls: true });
    await started;
    virsh.migration?.finish();
    await done;
    expect(virsh.calls.find((c) => c.args[0] === 'migrate')?.args.slice(7)).toEqual([
      '--tls',
      '--copy-storage-inc',
      '--migrate-disks',
      'vda',
      '--migrateuri',
      'tcp://10.0.0.7',
      '--disks-uri',
      'tcp://10.0.0.7',
    ]);
  });

  it('aborts the libvirt job when the signal fires and reports Cancelled with the VM still on the source', async () => {
    const { virsh, hv } = setup();
    const name = await running(virsh, hv);
    const controller = new AbortController();
    const started = virsh.migrationStarted();
    const done = hv.migrate({ domain: name, from: boot, to: settle, signal: controller.signal });
    await started;
    controller.abort();
    await expect(done).rejects.toMatchObject({ type: Failure.Cancelled, permanent: true });
    expect(virsh.calls.find((c) => c.args[0] === 'domjobabort')).toMatchObject({ uri: boot.uri, args: ['domjobabort', name] });
    expect(virsh.hosts.get(boot.uri)?.get(name)?.state).toBe('running (booted)');
  });

  it('lets a move stand when the abort comes after libvirt finished it', async () => {
    const { virsh, hv } = setup();
    const name = await running(virsh, hv);
    const controller = new AbortController();
    const started = virsh.migrationStarted();
    const done = hv.migrate({ domain: name, from: boot, to: settle, signal: controller.signal });
    await started;
    virsh.migration?.finish();
    controller.abort();
    await expect(done).resolves.toEqual({ durationMs: expect.any(Number) });
    expect(virsh.hosts.get(settle.uri)?.has(name)).toBe(true);
  });

  it('aborts a migration that outlives its deadline and reports a transient failure', async () => {
    const { virsh, hv } = setup({ migrationTimeoutMs: 20 });
    const name = await running(virsh, hv);
    await expect(hv.migrate({ domain: name, from: boot, to: settle })).rejects.toMatchObject({ type: Failure.MigrationFailed, permanent: false });
    expect(commands(virsh)).toContain('domjobabort');
  });

  it('turns a failed job into a transient MigrationFailed and keeps the VM on the source', async () => {
    const { virsh, hv } = setup();
    const name = await running(virsh, hv);
    const started = virsh.migrationStarted();
    const done = hv.migrate({ domain: name, from: boot, to: settle });
    await started;
    virsh.migration?.fail('error: operation failed: migration out job: unexpectedly failed');
    await expect(done).rejects.toMatchObject({ type: Failure.MigrationFailed, permanent: false });
    expect(virsh.hosts.get(boot.uri)?.has(name)).toBe(true);
  });

  it('succeeds without migrating when an earlier attempt already moved the VM', async () => {
    const { virsh, hv } = setup();
    virsh.hosts.get(settle.uri)?.set('moved', { uuid: randomUUID(), state: 'running (migrated)', xml: '' });
    await expect(hv.migrate({ domain: 'moved', from: boot, to: settle })).resolves.toEqual({ durationMs: 0 });
    expect(commands(virsh)).not.toContain('migrate');
  });

  it('fails permanently for a VM on neither host or on both', async () => {
    const { virsh, hv } = setup();
    await expect(hv.migrate({ domain: 'ghost', from: boot, to: settle })).rejects.toMatchObject({ type: Failure.DomainNotFound, permanent: true });
    for (const uri of [boot.uri, settle.uri]) virsh.hosts.get(uri)?.set('twin', { uuid: randomUUID(), state: 'running (booted)', xml: '' });
    await expect(hv.migrate({ domain: 'twin', from: boot, to: settle })).rejects.toMatchObject({ type: Failure.MigrationFailed, permanent: true });
    expect(commands(virsh)).not.toContain('migrate');
  });
});
