// virsh's human-readable output, as printed by virsh 9 on the lab hosts, parsed into the port's types.
import { parseDomState, parseJobProgress, parseNodeInfo, toMiB } from '../../../activities/libvirt/virsh-output';

describe('parseDomState', () => {
  it.each([
    ['running (booted)\n\n', { state: 'running', reason: 'booted' }],
    ['running (migrated)', { state: 'running', reason: 'migrated' }],
    ['shut off (destroyed)', { state: 'shut off', reason: 'destroyed' }],
    ['running (migration canceled)', { state: 'running', reason: 'migration canceled' }],
    ['in shutdown (user)', { state: 'shutdown', reason: 'user' }],
    ['idle', { state: 'blocked' }],
    ['paused (migration)', { state: 'paused', reason: 'migration' }],
    ['no state', { state: 'no state' }],
  ])('%j', (text, expected) => {
    expect(parseDomState(text)).toEqual(expected);
  });

  it('rejects output it does not know', () => {
    expect(() => parseDomState('exploded (badly)')).toThrow(/unexpected virsh domstate output/);
  });
});

describe('parseNodeInfo', () => {
  it('reads CPUs and memory from virsh 9 output', () => {
    const text = `CPU model:           x86_64
CPU(s):              2
CPU frequency:       2596 MHz
CPU socket(s):       1
Core(s) per socket:  2
Thread(s) per core:  1
NUMA cell(s):        1
Memory size:         12675288 KiB
`;
    expect(parseNodeInfo(text)).toEqual({ cpus: 2, memoryMiB: 12378 });
  });

  it('fails loudly on output without the figures', () => {
    expect(() => parseNodeInfo('CPU model: x86_64\n')).toThrow(/unexpected virsh nodeinfo output/);
  });
});

describe('parseJobProgress', () => {
  it('has no figures during setup', () => {
    const text = 'Job type:         Unbounded   \nOperation:        Outgoing migration\nTime elapsed:     693          ms\n';
    expect(parseJobProgress(text, 700)).toBeUndefined();
  });

  it('computes percent from remaining memory, as virsh --verbose does', () => {
    const text = `Job type:         Unbounded
Operation:        Outgoing migration
Data processed:   24.605 MiB
Data remaining:   95.984 MiB
Data total:       128.625 MiB
Memory processed: 24.605 MiB
Memory remaining: 95.984 MiB
Memory total:     128.625 MiB
Memory bandwidth: 135.146 MiB/s
`;
    expect(parseJobProgress(text, 1200)).toEqual({ percent: 25.4, dataProcessedMiB: 24.605, dataRemainingMiB: 95.984, elapsedMs: 1200 });
  });

  it('says 100 when nothing remains although zero pages were never "processed"', () => {
    const text = 'Memory processed: 68.946 MiB\nMemory remaining: 0.000 B\nMemory total:     128.625 MiB\n';
    expect(parseJobProgress(text, 2000)?.percent).toBe(100);
  });

  it('falls back to the Data figures', () => {
    expect(parseJobProgress('Data processed: 1.000 GiB\nData total: 4.000 GiB\n', 5)?.percent).toBe(25);
  });
});

describe('toMiB', () => {
  it.each([
    ['0.000 B', 0],
    ['512 KiB', 0.5],
    ['2.5 GiB', 2560],
    ['7 parsecs', undefined],
    [undefined, undefined],
  ])('%s', (value, expected) => {
    expect(toMiB(value)).toBe(expected);
  });
});
