// A NoCloud seed for cloud images: a small filesystem labelled "cidata" holding user-data and meta-data, which
// cloud-init finds on any attached disk or cdrom. It is made on the worker's machine, in a private directory, with
// whichever standard tool is there (an ISO with genisoimage or xorriso, else a FAT image with mkfs.vfat + mcopy;
// without one the VM fails plainly), then uploaded into the host's pool as a volume.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Failure } from '../domain';
import { HypervisorError, type CloudInitSeed } from './hypervisor';

export type SeedRunner = (file: string, args: string[]) => Promise<unknown>;

export interface SeedImageRequest {
  seed: CloudInitSeed;
  /** Where the image goes, on the worker's machine. */
  output: string;
  /** Finds a tool by name; default: the standard system directories (where the distribution installs them). */
  findTool?: (name: string) => string | undefined;
  run?: SeedRunner;
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function findTool(name: string, dirs: string[] = SYSTEM_DIRS): string | undefined {
  for (const dir of dirs) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The two files cloud-init's NoCloud datasource reads, written to `dir` (private: user-data may hold a token). */
export function writeSeedFiles(dir: string, seed: CloudInitSeed): string[] {
  const files = [path.join(dir, 'user-data'), path.join(dir, 'meta-data')];
  writeFileSync(files[0] as string, seed.userData, { mode: 0o600 });
  writeFileSync(files[1] as string, seed.metaData, { mode: 0o600 });
  return files;
}

function seedCommands(find: (name: string) => string | undefined, output: string, files: string[]): [string, string[]][] {
  const iso = ['-output', output, '-volid', 'cidata', '-joliet', '-rock', ...files];
  const genisoimage = find('genisoimage');
  if (genisoimage) return [[genisoimage, iso]];
  const xorriso = find('xorriso');
  if (xorriso) return [[xorriso, ['-as', 'mkisofs', ...iso]]];
  const [mkfs, mcopy] = [find('mkfs.vfat'), find('mcopy')];
  if (mkfs && mcopy) return [[mkfs, ['-n', 'CIDATA', '-C', output, '4096']], [mcopy, ['-o', '-i', output, ...files, '::']]];
  throw new HypervisorError(
    'cannot build a cloud-init NoCloud seed: none of genisoimage, xorriso, or mkfs.vfat with mcopy is installed ' +
      '(Debian: apt-get install genisoimage, or dosfstools and mtools)',
    Failure.ToolMissing,
    true,
  );
}

/** Builds the seed image at `output` and returns its path. */
export async function buildSeedImage(req: SeedImageRequest): Promise<string> {
  const run: SeedRunner = req.run ?? ((file, args) => promisify(execFile)(file, args, { timeout: 60_000 }));
  const staging = mkdtempSync(path.join(tmpdir(), 'bootshift-seed-'));
  try {
    const files = writeSeedFiles(staging, req.seed);
    const commands = seedCommands(req.findTool ?? ((name) => findTool(name)), req.output, files);
    rmSync(req.output, { force: true }); // mkfs.vfat -C refuses an existing file; a retried define rebuilds it
    for (const [file, args] of commands) await run(file, args);
    return req.output;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
