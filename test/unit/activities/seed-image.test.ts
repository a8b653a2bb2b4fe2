// The NoCloud seed's making, pinned without a hypervisor: which tool is used with which arguments, what the files
// hold, and a plain permanent error when no tool is installed. (The lab's cloud guest boots from a real one.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Failure } from '../../../domain';
import { buildSeedImage, writeSeedFiles } from '../../../activities/seed-image';

const seed = { userData: '#cloud-config\nphone_home:\n  url: http://gw/v1/x?token=t\n', metaData: 'instance-id: vm-1\nlocal-hostname: vm-1\n' };

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'seed-test-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Records each command with the seed files' content at the time it ran (they are deleted afterwards). */
function recorder() {
  const runs: Array<{ file: string; args: string[]; contents: Record<string, string> }> = [];
  const run = async (file: string, args: string[]) => {
    const inputs = args.filter((arg) => /\/(user|meta)-data$/.test(arg));
    runs.push({ file, args, contents: Object.fromEntries(inputs.map((f) => [path.basename(f), readFileSync(f, 'utf8')])) });
  };
  return { runs, run };
}

const only = (...names: string[]) => (name: string) => (names.includes(name) ? `/usr/bin/${name}` : undefined);

describe('writeSeedFiles', () => {
  it('writes user-data and meta-data verbatim, readable by the owner only', () => {
    const files = writeSeedFiles(dir, seed);
    expect(files.map((f) => path.basename(f))).toEqual(['user-data', 'meta-data']);
    expect(readFileSync(path.join(dir, 'user-data'), 'utf8')).toBe(seed.userData);
    expect(readFileSync(path.join(dir, 'meta-data'), 'utf8')).toBe(seed.metaData);
    expect(statSync(path.join(dir, 'user-data')).mode & 0o777).toBe(0o600);
  });
});

describe('buildSeedImage', () => {
  const output = () => path.join(dir, 'vm-1-cidata.img');

  it('makes a "cidata" ISO with genisoimage holding both files', async () => {
    const { runs, run } = recorder();
    await expect(buildSeedImage({ seed, output: output(), findTool: only('genisoimage', 'xorriso'), run })).resolves.toBe(output());
    expect(runs).toHaveLength(1);
    expect(runs[0]?.file).toBe('/usr/bin/genisoimage');
    expect(runs[0]?.args.slice(0, 6)).toEqual(['-output', output(), '-volid', 'cidata', '-joliet', '-rock']);
    expect(runs[0]?.contents).toEqual({ 'user-data': seed.userData, 'meta-data': seed.metaData });
  });

  it('uses xorriso in mkisofs mode when that is what is installed', async () => {
    const { runs, run } = recorder();
    await buildSeedImage({ seed, output: output(), findTool: only('xorriso'), run });
    expect(runs[0]?.args.slice(0, 6)).toEqual(['-as', 'mkisofs', '-output', output(), '-volid', 'cidata']);
  });

  it('falls back to a FAT image labelled CIDATA, then copies both files in', async () => {
    const { runs, run } = recorder();
    await buildSeedImage({ seed, output: output(), findTool: only('mkfs.vfat', 'mcopy'), run });
    expect(runs.map((r) => [r.file, r.args.slice(0, 3)])).toEqual([
      ['/usr/bin/mkfs.vfat', ['-n', 'CIDATA', '-C']],
      ['/usr/bin/mcopy', ['-o', '-i', output()]],
    ]);
    expect(runs[1]?.contents).toEqual({ 'user-data': seed.userData, 'meta-data': seed.metaData });
    expect(runs[1]?.args.at(-1)).toBe('::');
  });

  it('fails permanently, naming the tools, when none is installed, and leaves no staging files', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const attempt = buildSeedImage({ seed, output: output(), findTool: only('mcopy'), run: recorder().run });
    await expect(attempt).rejects.toMatchObject({ type: Failure.ToolMissing, permanent: true });
    await expect(attempt).rejects.toThrow(/genisoimage, xorriso, or mkfs.vfat with mcopy/);
    const leftovers = readdirSync(tmpdir()).filter((f) => !before.has(f) && f.startsWith('bootshift-seed-'));
    expect(leftovers).toEqual([]);
  });
});
