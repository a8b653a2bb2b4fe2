// Where things the embedded environment needs are found: the checkout it runs from (for the scripts and example
// projects that ship beside the code), the tools scripts/install-tools builds into one cache directory outside the
// repo (so CI can keep it between runs), and the lab guest images built there. Everything that launches a tool or
// boots a guest asks here instead of guessing paths, and gets a message saying how to fix a missing one.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

let root: string | undefined;

/** The bootshift package root, whether this runs as TypeScript (tests) or compiled under lib/. */
export function repoRoot(): string {
  if (root) return root;
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'bootshift') {
      return (root = dir);
    }
  }
  throw new Error(`cannot find the bootshift package root above ${__dirname}`);
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOOTSHIFT_CACHE ?? path.join(homedir(), '.cache', 'bootshift');
}

export function toolBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'bin');
}

export type ToolName = 'temporal' | 'pulumi' | 'pulumi-language-nodejs' | 'pulumi-resource-pulumi-nodejs';

/** Absolute path of a built tool; throws a message that says how to get it when it is missing. */
export function toolPath(name: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const file = path.join(toolBinDir(env), name);
  if (!existsSync(file)) {
    throw new Error(`${name} not found at ${file}: run scripts/install-tools (it builds it from Go modules)`);
  }
  return file;
}

/** PATH with the tool directory first, for child processes such as the Pulumi CLI that look plugins up on PATH. */
export function pathWithTools(env: NodeJS.ProcessEnv = process.env): string {
  return [toolBinDir(env), env.PATH ?? ''].filter(Boolean).join(path.delimiter);
}

/** Where scripts/install-lab puts the guest images: the inventory's imageDirs in the embedded environment. */
export function labImageDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return [path.join(cacheDir(env), 'guest'), path.join(cacheDir(env), 'cloud-image')];
}

/** The Debian cloud image (cloud-init, qemu-guest-agent) that scripts/install-lab builds, by its file name. */
export const CLOUD_IMAGE = 'debian-12-cloud.qcow2';

export interface GuestImage {
  kernel: string;
  initrd: string;
}

/** The lab guest (distro kernel + busybox initramfs) that scripts/install-lab builds. */
export function guestImage(env: NodeJS.ProcessEnv = process.env): GuestImage {
  const dir = path.join(cacheDir(env), 'guest');
  const image = { kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  const missing = Object.values(image).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`lab guest image missing (${missing.join(', ')}): run scripts/install-tools (or scripts/install-lab)`);
  }
  return image;
}
