// A minimal domain for the lab guest, for lab tests and benchmarks that need a running VM without the product's
// domain builder (activities/). The console goes to a file outside the hosts' private mounts, so it keeps
// recording after a live migration.
import { XMLBuilder } from 'fast-xml-parser';
import { guestCmdline, type GuestParams } from '../activities/phone-home';
import type { GuestImage } from '../devenv/tools';

export interface GuestDomainOptions {
  name: string;
  image: GuestImage;
  params: GuestParams;
  consoleFile: string;
  memoryMiB?: number;
  vcpus?: number;
}

export function guestDomainXml(opts: GuestDomainOptions): string {
  const consoleFile = { source: { '@_path': opts.consoleFile, '@_append': 'on' } };
  const domain = {
    '@_type': 'qemu',
    name: opts.name,
    memory: { '@_unit': 'MiB', '#text': opts.memoryMiB ?? 128 },
    vcpu: opts.vcpus ?? 1,
    os: {
      type: { '@_arch': 'x86_64', '@_machine': 'pc', '#text': 'hvm' },
      kernel: opts.image.kernel,
      initrd: opts.image.initrd,
      cmdline: guestCmdline(opts.params),
    },
    on_poweroff: 'destroy',
    on_reboot: 'destroy',
    on_crash: 'destroy',
    devices: {
      interface: { '@_type': 'user', model: { '@_type': 'virtio' } },
      serial: { '@_type': 'file', ...consoleFile, target: { '@_port': 0 } },
      console: { '@_type': 'file', ...consoleFile, target: { '@_type': 'serial', '@_port': 0 } },
      memballoon: { '@_model': 'none' },
    },
  };
  return new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true }).build({ domain }) as string;
}
