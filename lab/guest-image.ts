// Where scripts/install-lab put the lab guest (distro kernel + busybox initramfs), so tests, benchmarks and the
// main job boot the same image and fail with a useful message rather than a libvirt error when it is missing.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from './tools';

export interface GuestImage {
  kernel: string;
  initrd: string;
}

export function guestImage(env: NodeJS.ProcessEnv = process.env): GuestImage {
  const dir = path.join(cacheDir(env), 'guest');
  const image = { kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  const missing = Object.values(image).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`lab guest image missing (${missing.join(', ')}): run scripts/install-tools (or scripts/install-lab)`);
  }
  return image;
}
