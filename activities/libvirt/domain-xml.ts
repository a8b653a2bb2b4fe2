// The domain XML bootshift defines, built from a DomainSpec with fast-xml-parser (which escapes every value, so a
// hostile string in a command line or metadata stays data), and read back from `virsh dumpxml` for listDomains and
// the invariant checker. bootshift's own facts live under one XML namespace in <metadata>, as libvirt recommends.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { SEED_DEVICE, type DomainSpec } from '../hypervisor';

export const BOOTSHIFT_XMLNS = 'https://bootshift.dev/xmlns/vm/1';
const PREFIX = 'bootshift';

export interface DomainXmlOptions {
  domainType?: 'qemu' | 'kvm';
}

type Node = Record<string, unknown>;

const builder = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true });

function osSection(image: DomainSpec['image']): Node {
  const type = 'hvm';
  if (image.kind === 'kernel') return { type, kernel: image.kernel, initrd: image.initrd, cmdline: image.cmdline };
  return { type, boot: { '@_dev': 'hd' } };
}

// The VM's own disk, as a file (a volume referenced by pool and name cannot be migrated incrementally on libvirt 9),
// and the NoCloud seed as an IDE cdrom: ejecting media needs nothing of the guest, while a hot-unplugged virtio disk
// waits for the guest to agree (and `detach-disk` reports success even when it did not).
function disks(image: DomainSpec['image']): Node[] {
  if (image.kind !== 'disk') return [];
  const disk = {
    '@_type': 'file',
    '@_device': 'disk',
    driver: { '@_name': 'qemu', '@_type': 'qcow2', '@_discard': 'unmap' },
    source: { '@_file': image.disk },
    target: { '@_dev': 'vda', '@_bus': 'virtio' },
  };
  const seed = image.seed && {
    '@_type': 'file',
    '@_device': 'cdrom',
    driver: { '@_name': 'qemu', '@_type': 'raw' },
    source: { '@_file': image.seed },
    target: { '@_dev': SEED_DEVICE, '@_bus': 'ide' },
    readonly: '',
  };
  return seed ? [disk, seed] : [disk];
}

// The guest agent's virtio-serial port; libvirt picks the host side's socket path itself.
function agentChannel(spec: DomainSpec): Node {
  return spec.guestAgent ? { channel: { '@_type': 'unix', target: { '@_type': 'virtio', '@_name': 'org.qemu.guest_agent.0' } } } : {};
}

// A file console is appended to, so the log of a guest survives its live migration (both qemus write one file).
function consoles(consoleLog?: string): Node {
  const source = consoleLog ? { source: { '@_path': consoleLog, '@_append': 'on' } } : {};
  const type = consoleLog ? 'file' : 'pty';
  return {
    serial: { '@_type': type, ...source, target: { '@_port': 0 } },
    console: { '@_type': type, ...source, target: { '@_type': 'serial', '@_port': 0 } },
  };
}

export function buildDomainXml(spec: DomainSpec, opts: DomainXmlOptions = {}): string {
  const entries = Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ '@_key': key, '#text': value }));
  const domain = {
    '@_type': opts.domainType ?? 'qemu',
    name: spec.name,
    uuid: spec.uuid,
    metadata: { [`${PREFIX}:vm`]: { [`@_xmlns:${PREFIX}`]: BOOTSHIFT_XMLNS, [`${PREFIX}:meta`]: entries } },
    memory: { '@_unit': 'MiB', '#text': spec.memoryMiB },
    vcpu: spec.vcpus,
    os: osSection(spec.image),
    features: { acpi: '', apic: '' },
    on_poweroff: 'destroy',
    on_reboot: 'restart',
    on_crash: 'destroy',
    devices: {
      disk: disks(spec.image),
      interface: { '@_type': 'user', model: { '@_type': 'virtio' } },
      ...consoles(spec.consoleLog),
      ...agentChannel(spec),
    },
  };
  return builder.build({ domain }) as string;
}

export interface ParsedDomain {
  name: string;
  uuid: string;
  vcpus: number;
  memoryMiB: number;
  /** bootshift's metadata; undefined for a domain bootshift did not define. */
  metadata?: Record<string, string>;
}

// trimValues off: metadata values come back exactly as written, leading/trailing spaces included.
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (tag) => tag.endsWith(':meta') || tag === 'meta',
});

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;
function text(value: unknown): string {
  if (isNode(value)) return String(value['#text'] ?? '');
  return typeof value === 'string' ? value : '';
}

// libvirt's unit names (formatdomain "Memory Allocation"), in KiB.
const KIB_PER_UNIT: Record<string, number> = {
  b: 1 / 1024,
  bytes: 1 / 1024,
  k: 1,
  kib: 1,
  kb: 1000 / 1024,
  m: 1024,
  mib: 1024,
  mb: 1e6 / 1024,
  g: 1048576,
  gib: 1048576,
  gb: 1e9 / 1024,
};

function memoryMiB(memory: unknown): number {
  const unit = (isNode(memory) ? String(memory['@_unit'] ?? 'KiB') : 'KiB').toLowerCase();
  return Math.round((Number(text(memory).trim()) * (KIB_PER_UNIT[unit] ?? Number.NaN)) / 1024);
}

function bootshiftMetadata(metadata: unknown): Record<string, string> | undefined {
  if (!isNode(metadata)) return undefined;
  // libvirt may rename our prefix; the namespace URI is what identifies our element.
  for (const [tag, node] of Object.entries(metadata)) {
    if (!isNode(node)) continue;
    const ours = Object.entries(node).some(([attr, uri]) => attr.startsWith('@_xmlns:') && uri === BOOTSHIFT_XMLNS);
    if (!ours) continue;
    const prefix = tag.includes(':') ? `${tag.split(':')[0]}:` : '';
    const entries = (node[`${prefix}meta`] ?? []) as unknown[];
    return Object.fromEntries(entries.map((entry) => [String(isNode(entry) ? (entry['@_key'] ?? '') : ''), text(entry)]));
  }
  return undefined;
}

export function parseDomainXml(xml: string): ParsedDomain {
  const domain = (parser.parse(xml) as Node).domain;
  if (!isNode(domain)) throw new Error('not a libvirt domain XML document (no <domain>)');
  const parsed: ParsedDomain = {
    name: text(domain.name).trim(),
    uuid: text(domain.uuid).trim(),
    vcpus: Number(text(domain.vcpu).trim()),
    memoryMiB: memoryMiB(domain.memory),
  };
  const metadata = bootshiftMetadata(domain.metadata);
  return metadata ? { ...parsed, metadata } : parsed;
}
