// The runner's pieces: command line to parameters, comparison to Markdown and SVG.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from '../../../simulator/args';
import { compare } from '../../../simulator/compare';
import { percentile } from '../../../simulator/metrics';
import { DEFAULT_PARAMS } from '../../../simulator/params';
import { markdown } from '../../../simulator/report';
import { cdfSvg } from '../../../simulator/svg';

const argv = (...args: string[]) => ['node', 'run.ts', ...args];

describe('parseArgs', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps the defaults and overrides what is given', () => {
    const { params, svg } = parseArgs(argv('--seed', '7', '--hosts', '40', '--no-boot-vcpus-within-cpus', '--svg', 'x.svg'));
    expect(params).toEqual({ ...DEFAULT_PARAMS, seed: 7, hosts: 40, bootVcpusWithinCpus: false });
    expect(svg).toBe('x.svg');
  });

  it('calibrates from a P4 measurement file, and lets --boot-seconds set the fleet boot time', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bs-sim-')), 'p4.json');
    writeFileSync(file, JSON.stringify({ aloneSeconds: 6, packedSeconds: 30, packedLoadPerCpu: 4, hostCpus: 2 }));
    expect(parseArgs(argv('--calibration', file)).params.model).toMatchObject({ aloneSeconds: 6, cpuFraction: 1 });
    expect(parseArgs(argv('--calibration', file, '--boot-seconds', '25')).params.model.aloneSeconds).toBe(25);
  });

  it('rejects values out of range', () => {
    jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => parseArgs(argv('--boot-fraction', '1.5'))).toThrow(/exit 1/);
    expect(() => parseArgs(argv('--hosts', '2.5'))).toThrow(/exit 1/);
  });
});

describe('output', () => {
  const comparison = compare({ ...DEFAULT_PARAMS, hosts: 10, vms: 50 });

  it('takes percentiles by nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('prints one column per policy and the parameters that produced them', () => {
    const text = markdown(comparison, 'npx ts-node simulator/run.ts --hosts 10 --vms 50');
    expect(text).toContain('| figure | in place | bootshift |');
    expect(text).toContain('seed 1');
    expect(text).toContain('10 hosts × 16 CPUs');
    expect(text).toMatch(/\| boot time p95 \(s\) \| \d+\.\d \| \d+\.\d \|/);
  });

  it('draws one CDF line per policy', () => {
    const svg = cdfSvg(comparison);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).not.toContain('NaN');
  });
});
