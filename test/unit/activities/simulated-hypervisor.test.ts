// The simulated hypervisor stands in for libvirt in workflow tests and benchmarks, so it must keep the same contract;
// these tests run on a hand-moved clock, so durations cost nothing.
import { randomUUID } from 'node:crypto';
import { Failure } from '../../../domain';
import { HypervisorError, type DomainSpec, type HostRef, type MigrationProgress } from '../../../activities/hypervisor';
import { createSimulatedHypervisor, type SimulatedHypervisorOptions } from '../../../activities/simulated-hypervisor';
import { destroyOwnerContract } from './destroy-owner-contract';
import { manualClock } from './manual-clock';

const boot: HostRef = { name: 'boot-1', uri: 'test:///boot-1' };
const settle: HostRef = { name: 'settle-1', uri: 'test:///settle-1' };

function spec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  const name = `vm-${randomUUID().slice(0, 8)}`;
  return { name, uuid: randomUUID(), vcpus: 1, memoryMiB: 128, image: { kind: 'kernel', kernel: '/k', initrd: '/i', cmdline: '' }, ...overrides };
}

function setup(options: Partial<SimulatedHypervisorOptions> = {}) {
  const clock = manualClock();
  const booted: Array<[string, string]> = [];
  const hv = createSimulatedHypervisor({
    hosts: [{ ...boot, cpus: 4, memoryMiB: 8192 }, settle],
    bootDurationMs: 5000,
    migrationDurationMs: 4000,
    clock,
    onBooted: (name, host) => booted.push([name, host.name]),
    ...options,
  });
  return { hv, clock, booted };
}

describe('defineAndStart and destroy', () => {
  it('is idempotent by uuid and refuses another uuid under the same name', async () => {
    const { hv } = setup();
    const vm = spec({ metadata: { workflowId: 'vm/p/s/x' } });
    await expect(hv.defineAndStart(boot, vm)).resolves.toEqual({ created: true, state: { state: 'running', reason: 'booted' } });
    await expect(hv.defineAndStart(boot, vm)).resolves.toMatchObject({ created: false });
    await expect(hv.defineAndStart(boot, { ...vm, uuid: randomUUID() })).rejects.toMatchObject({ type: Failure.DomainConflict, permanent: true });
    await expect(hv.listDomains(boot)).resolves.toEqual([{ name: vm.name, state: { state: 'running', reason: 'booted' }, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, metadata: vm.metadata }]);
  });

  it('restarts a crashed domain of the same uuid', async () => {
    const { hv } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    hv.setDomainState(boot.name, vm.name, { state: 'shut off', reason: 'crashed' });
    await expect(hv.defineAndStart(boot, vm)).resolves.toEqual({ created: false, state: { state: 'running', reason: 'booted' } });
  });

  it('validates like the libvirt adapter', async () => {
    const { hv } = setup();
    await expect(hv.defineAndStart(boot, spec({ name: 'bad name' }))).rejects.toMatchObject({ type: Failure.InvalidDomainSpec, permanent: true });
    await expect(hv.defineAndStart({ name: 'x', uri: 'test:///nowhere' }, spec())).rejects.toMatchObject({ type: Failure.UnknownHost, permanent: true });
    await expect(hv.domainState({ name: 'x', uri: 'qemu:///system"' }, 'a')).rejects.toMatchObject({ type: Failure.InvalidHost });
  });

  it('destroys once; a missing domain is existed: false', async () => {
    const { hv } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    await expect(hv.destroy(boot, vm.name)).resolves.toEqual({ existed: true });
    await expect(hv.destroy(boot, vm.name)).resolves.toEqual({ existed: false });
    await expect(hv.domainState(boot, vm.name)).resolves.toBeNull();
  });

  it('fails the next n defines transiently without defining anything', async () => {
    const { hv } = setup();
    const vm = spec();
    hv.failDefine(2);
    for (let i = 0; i < 2; i++) await expect(hv.defineAndStart(boot, vm)).rejects.toMatchObject({ permanent: false });
    await expect(hv.domainState(boot, vm.name)).resolves.toBeNull();
    await expect(hv.defineAndStart(boot, vm)).resolves.toMatchObject({ created: true });
  });
});

describe('destroy with an owner', () => {
  destroyOwnerContract(() => ({ hv: setup().hv, host: boot, vm: spec() }));
});

describe('boot completion', () => {
  it('calls onBooted once the boot duration has passed, and records bootedAt', async () => {
    const { hv, clock, booted } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    await clock.advance(4999);
    expect(booted).toEqual([]);
    await clock.advance(1);
    expect(booted).toEqual([[vm.name, 'boot-1']]);
    const [domain] = hv.snapshot()['boot-1']?.domains ?? [];
    expect(domain).toMatchObject({ name: vm.name, startedAt: 1_000_000, bootedAt: 1_005_000 });
  });

  it('does not report the boot of a domain destroyed before it completed', async () => {
    const { hv, clock, booted } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    await hv.destroy(boot, vm.name);
    await hv.defineAndStart(boot, vm);
    await clock.advance(5000);
    expect(booted).toEqual([[vm.name, 'boot-1']]); // the second run only
  });
});

describe('migrate', () => {
  async function started(options: Partial<SimulatedHypervisorOptions> = {}) {
    const ctx = setup(options);
    const vm = spec();
    await ctx.hv.defineAndStart(boot, vm);
    return { ...ctx, name: vm.name };
  }

  it('moves the domain after the migration duration, reporting progress each interval', async () => {
    const { hv, clock, name } = await started();
    const progress: MigrationProgress[] = [];
    const done = hv.migrate({ domain: name, from: boot, to: settle, onProgress: (p) => progress.push(p) });
    await clock.advance(3999);
    await expect(hv.domainState(boot, name)).resolves.toEqual({ state: 'running', reason: 'booted' });
    await clock.advance(1);
    await expect(done).resolves.toEqual({ durationMs: 4000 });
    expect(progress.map((p) => p.percent)).toEqual([25, 50, 75, 100]);
    expect(progress[1]).toMatchObject({ elapsedMs: 2000, dataRemainingMiB: 64 });
    await expect(hv.domainState(settle, name)).resolves.toEqual({ state: 'running', reason: 'migrated' });
    await expect(hv.domainState(boot, name)).resolves.toBeNull();
    expect(hv.snapshot()).toMatchObject({ 'boot-1': { domains: [] }, 'settle-1': { domains: [{ name }] } });
  });

  it('is cancelled by its signal, leaving the domain running on the source', async () => {
    const { hv, clock, name } = await started();
    const controller = new AbortController();
    const progress: number[] = [];
    const done = hv.migrate({ domain: name, from: boot, to: settle, signal: controller.signal, onProgress: (p) => progress.push(p.percent) });
    await clock.advance(1500);
    controller.abort();
    await expect(done).rejects.toMatchObject({ type: Failure.Cancelled, permanent: true });
    await clock.advance(5000);
    expect(progress).toEqual([25]);
    await expect(hv.domainState(boot, name)).resolves.toMatchObject({ state: 'running' });
    await expect(hv.domainState(settle, name)).resolves.toBeNull();
  });

  it('fails the next n migrations to a host half way through, then succeeds', async () => {
    const { hv, clock, name } = await started();
    hv.failNextMigrations('settle-1', 1);
    const progress: number[] = [];
    const first = hv.migrate({ domain: name, from: boot, to: settle, onProgress: (p) => progress.push(p.percent) });
    const outcome = expect(first).rejects.toMatchObject({ type: Failure.MigrationFailed, permanent: false });
    await clock.advance(4000);
    await outcome;
    expect(progress).toEqual([25, 50]);
    await expect(hv.domainState(boot, name)).resolves.toMatchObject({ state: 'running' });
    const second = hv.migrate({ domain: name, from: boot, to: settle });
    await clock.advance(4000);
    await expect(second).resolves.toEqual({ durationMs: 4000 });
  });

  it('refuses a second migration of the same domain while one runs (libvirt holds a job lock)', async () => {
    const { hv, clock, name } = await started();
    const first = hv.migrate({ domain: name, from: boot, to: settle });
    await expect(hv.migrate({ domain: name, from: boot, to: settle })).rejects.toMatchObject({ permanent: false });
    await clock.advance(4000);
    await first;
  });

  it('treats a retry after a finished move as done, and a domain on neither host as not found', async () => {
    const { hv, name } = await started({ migrationDurationMs: 0 });
    await hv.migrate({ domain: name, from: boot, to: settle });
    await expect(hv.migrate({ domain: name, from: boot, to: settle })).resolves.toEqual({ durationMs: 0 });
    await expect(hv.migrate({ domain: 'ghost', from: boot, to: settle })).rejects.toMatchObject({ type: Failure.DomainNotFound, permanent: true });
  });
});

describe('inject', () => {
  it('fails matching calls with the given error until removed', async () => {
    const { hv } = setup();
    const vm = spec();
    await hv.defineAndStart(boot, vm);
    const down = new HypervisorError('connection refused', 'HypervisorUnavailable', false);
    const remove = hv.inject('domainState', (call) => (call.host?.name === 'boot-1' ? down : undefined));
    await expect(hv.domainState(boot, vm.name)).rejects.toBe(down);
    await expect(hv.domainState(settle, vm.name)).resolves.toBeNull();
    remove();
    await expect(hv.domainState(boot, vm.name)).resolves.toMatchObject({ state: 'running' });
  });
});

describe('scale', () => {
  it('carries 1,000 VMs through define, boot and migration', async () => {
    const { hv, clock, booted } = setup({ bootDurationMs: 1000, migrationDurationMs: 0 });
    const vms = Array.from({ length: 1000 }, () => spec());
    await Promise.all(vms.map((vm) => hv.defineAndStart(boot, vm)));
    await clock.advance(1000);
    expect(booted).toHaveLength(1000);
    await Promise.all(vms.map((vm) => hv.migrate({ domain: vm.name, from: boot, to: settle })));
    const snapshot = hv.snapshot();
    expect(snapshot['boot-1']?.domains).toHaveLength(0);
    expect(snapshot['settle-1']?.domains).toHaveLength(1000);
  });
});
