import { pickBootHost, pickSettleHost, type HostRecord } from '../../../domain';
import { findHost } from '../../../simulator/ledger';
import { ledgerOf, type HostSpec } from './fixtures';

const policy = { bootVcpusWithinCpus: true };

/** Hosts with preset usage, as the ledger keeps it. */
function hosts(specs: (HostSpec & { used?: Partial<HostRecord['usage']> })[]): HostRecord[] {
  const state = ledgerOf(specs.map(({ used: _used, ...spec }) => spec));
  return specs.map((spec) => {
    const host = findHost(state, spec.name) as HostRecord;
    host.usage = { vms: 0, vcpus: 0, memoryMiB: 0, groups: {}, ...spec.used };
    return host;
  });
}

const vm = { vcpus: 1, memoryMiB: 256 };

describe('pickBootHost', () => {
  it('spreads: most free CPUs first', () => {
    const pool = hosts([
      { name: 'a', pool: 'boot', cpus: 4, used: { vms: 2, vcpus: 2 } },
      { name: 'b', pool: 'boot', cpus: 2 },
      { name: 'c', pool: 'boot', cpus: 8, used: { vms: 5, vcpus: 5 } },
    ]);
    expect(pickBootHost(pool, policy, vm)).toBe('c');
  });

  it('breaks ties by most free memory, then by name', () => {
    const pool = hosts([
      { name: 'b', pool: 'boot', cpus: 2, memoryMiB: 4096 },
      { name: 'a', pool: 'boot', cpus: 2, memoryMiB: 4096 },
      { name: 'c', pool: 'boot', cpus: 2, memoryMiB: 8192, used: { memoryMiB: 4100 } },
    ]);
    expect(pickBootHost(pool, policy, vm)).toBe('a');
    const roomier = hosts([
      { name: 'b', pool: 'boot', cpus: 2, memoryMiB: 4096 },
      { name: 'c', pool: 'boot', cpus: 2, memoryMiB: 8192, used: { memoryMiB: 4000 } },
    ]);
    expect(pickBootHost(roomier, policy, vm)).toBe('c');
  });

  it('never boots on a settle host, however empty', () => {
    expect(pickBootHost(hosts([{ name: 's', pool: 'settle', cpus: 64 }]), policy, vm)).toBeUndefined();
  });

  it('keeps the VM count at or below the CPU count', () => {
    const pool = hosts([{ name: 'a', pool: 'boot', cpus: 2, used: { vms: 2, vcpus: 0 } }]);
    expect(pickBootHost(pool, { bootVcpusWithinCpus: false }, vm)).toBeUndefined();
  });

  it('by default also keeps vCPUs within CPUs, and can be told not to', () => {
    const pool = hosts([{ name: 'a', pool: 'boot', cpus: 4, used: { vms: 1, vcpus: 3 } }]);
    expect(pickBootHost(pool, policy, { vcpus: 2, memoryMiB: 64 })).toBeUndefined();
    expect(pickBootHost(pool, { bootVcpusWithinCpus: false }, { vcpus: 2, memoryMiB: 64 })).toBe('a');
  });

  it('never overcommits memory', () => {
    const pool = hosts([{ name: 'a', pool: 'boot', cpus: 4, memoryMiB: 1024, used: { vms: 1, vcpus: 1, memoryMiB: 800 } }]);
    expect(pickBootHost(pool, policy, { vcpus: 1, memoryMiB: 225 })).toBeUndefined();
    expect(pickBootHost(pool, policy, { vcpus: 1, memoryMiB: 224 })).toBe('a');
  });

  it('skips draining and down hosts', () => {
    const pool = hosts([
      { name: 'a', pool: 'boot', cpus: 8, state: 'draining' },
      { name: 'b', pool: 'boot', cpus: 8, state: 'down' },
      { name: 'c', pool: 'boot', cpus: 1 },
    ]);
    expect(pickBootHost(pool, policy, vm)).toBe('c');
  });

  it('keeps anti-affinity groups apart', () => {
    const pool = hosts([
      { name: 'a', pool: 'boot', cpus: 8, used: { vms: 1, vcpus: 1, groups: { db: 1 } } },
      { name: 'b', pool: 'boot', cpus: 2 },
    ]);
    expect(pickBootHost(pool, policy, { ...vm, antiAffinityGroup: 'db' })).toBe('b');
    expect(pickBootHost(pool, policy, { ...vm, antiAffinityGroup: 'web' })).toBe('a');
    expect(pickBootHost(pool, policy, { ...vm, antiAffinityGroup: 'constructor' })).toBe('a');
  });
});

describe('pickSettleHost', () => {
  it('fits best: least vCPU headroom left after placement', () => {
    const pool = hosts([
      { name: 'a', pool: 'settle', cpus: 4, used: { vms: 3, vcpus: 10 } },
      { name: 'b', pool: 'settle', cpus: 4, used: { vms: 3, vcpus: 14 } },
      { name: 'c', pool: 'settle', cpus: 4, used: { vms: 3, vcpus: 15 } },
    ]);
    expect(pickSettleHost(pool, policy, { vcpus: 2, memoryMiB: 64 })).toBe('b');
    expect(pickSettleHost(pool, policy, { vcpus: 1, memoryMiB: 64 })).toBe('c');
  });

  it('honours cpuAllocationRatio, fractional products rounded down', () => {
    const pool = hosts([{ name: 'a', pool: 'settle', cpus: 3, cpuAllocationRatio: 1.5, used: { vms: 1, vcpus: 3 } }]);
    expect(pickSettleHost(pool, policy, { vcpus: 1, memoryMiB: 64 })).toBe('a');
    expect(pickSettleHost(pool, policy, { vcpus: 2, memoryMiB: 64 })).toBeUndefined();
    const exact = hosts([{ name: 'b', pool: 'settle', cpus: 20, cpuAllocationRatio: 1.15, used: { vms: 1, vcpus: 22 } }]);
    expect(pickSettleHost(exact, policy, { vcpus: 1, memoryMiB: 64 })).toBe('b');
  });

  it('breaks headroom ties by least free memory, then by name', () => {
    const pool = hosts([
      { name: 'b', pool: 'settle', cpus: 2, memoryMiB: 2048 },
      { name: 'c', pool: 'settle', cpus: 2, memoryMiB: 4096 },
      { name: 'a', pool: 'settle', cpus: 2, memoryMiB: 2048 },
    ]);
    expect(pickSettleHost(pool, policy, vm)).toBe('a');
    expect(pickSettleHost(pool.slice(1, 2), policy, vm)).toBe('c');
  });

  it('skips excluded, draining and boot hosts, and full memory', () => {
    const pool = hosts([
      { name: 'a', pool: 'settle', cpus: 1, used: { vms: 1, vcpus: 3 } },
      { name: 'b', pool: 'settle', cpus: 1, used: { vms: 1, vcpus: 2 }, state: 'draining' },
      { name: 'c', pool: 'boot', cpus: 1 },
      { name: 'd', pool: 'settle', cpus: 1, memoryMiB: 300, used: { vms: 1, vcpus: 1, memoryMiB: 100 } },
      { name: 'e', pool: 'settle', cpus: 8 },
    ]);
    expect(pickSettleHost(pool, policy, vm)).toBe('a');
    expect(pickSettleHost(pool, policy, { ...vm, exclude: ['a'] })).toBe('e');
    expect(pickSettleHost(pool, policy, { ...vm, memoryMiB: 200, exclude: ['a', 'e'] })).toBe('d');
    expect(pickSettleHost(pool, policy, { ...vm, memoryMiB: 201, exclude: ['a', 'e'] })).toBeUndefined();
  });

  it('keeps anti-affinity groups apart', () => {
    const pool = hosts([
      { name: 'a', pool: 'settle', cpus: 1, used: { vms: 1, vcpus: 1, groups: { db: 1 } } },
      { name: 'b', pool: 'settle', cpus: 8 },
    ]);
    expect(pickSettleHost(pool, policy, { ...vm, antiAffinityGroup: 'db' })).toBe('b');
  });
});
