// The domain XML is where user-controlled strings meet libvirt: this proves the builder keeps them as data, writes
// what the lab hosts need, and that the parser reads back what libvirt 9 actually dumps.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { BOOTSHIFT_XMLNS, buildDomainXml, parseDomainXml } from '../../../activities/libvirt/domain-xml';
import type { DomainSpec } from '../../../activities/hypervisor';

const HOSTILE = `a"b'c<d>e&f]]>g <![CDATA[x]]> &amp; </bootshift:meta><evil/>`;

function kernelSpec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: 'vm-1',
    uuid: '0b9f0c4e-6a5e-4a39-9d3e-1f2a3b4c5d6e',
    vcpus: 2,
    memoryMiB: 256,
    image: { kind: 'kernel', kernel: '/img/vmlinuz', initrd: '/img/initrd.img', cmdline: `console=ttyS0 x=${HOSTILE}` },
    ...overrides,
  };
}

// The built document as plain objects, and a path into it: `at(domain, 'os', 'kernel')`.
const parse = (xml: string) => ({
  domain: (new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false }).parse(xml) as { domain: unknown }).domain,
});
const at = (node: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((n, key) => (n as Record<string | number, unknown> | undefined)?.[key], node);

describe('buildDomainXml', () => {
  it('writes kernel boot, sizes, console file, crash policy and the bootshift namespace', () => {
    const xml = buildDomainXml(kernelSpec({ consoleLog: '/var/log/vm-1.log' }), { domainType: 'kvm' });
    const { domain } = parse(xml);
    expect(at(domain, '@_type')).toBe('kvm');
    expect(at(domain, 'memory')).toEqual({ '#text': '256', '@_unit': 'MiB' });
    expect(at(domain, 'vcpu')).toBe('2');
    expect(at(domain, 'os')).toMatchObject({ type: 'hvm', kernel: '/img/vmlinuz', initrd: '/img/initrd.img' });
    expect(at(domain, 'os', 'cmdline')).toBe(`console=ttyS0 x=${HOSTILE}`);
    expect(at(domain, 'on_crash')).toBe('destroy');
    expect(at(domain, 'devices', 'interface')).toMatchObject({ '@_type': 'user', model: { '@_type': 'virtio' } });
    expect(at(domain, 'devices', 'serial')).toMatchObject({ '@_type': 'file', source: { '@_path': '/var/log/vm-1.log', '@_append': 'on' } });
    expect(at(domain, 'devices', 'console')).toMatchObject({ '@_type': 'file', target: { '@_type': 'serial' } });
    expect(at(domain, 'metadata', 'bootshift:vm', '@_xmlns:bootshift')).toBe(BOOTSHIFT_XMLNS);
    expect(at(domain, 'devices', 'disk')).toBeUndefined();
  });

  it('defaults to a qemu (TCG) domain with a pty console', () => {
    const { domain } = parse(buildDomainXml(kernelSpec()));
    expect(at(domain, '@_type')).toBe('qemu');
    expect(at(domain, 'devices', 'serial', '@_type')).toBe('pty');
    expect(at(domain, 'devices', 'serial', 'source')).toBeUndefined();
  });

  it('boots a cloud image from its own qcow2 disk (virtio), with the seed as a read-only IDE cdrom and the agent channel', () => {
    const spec = kernelSpec({ image: { kind: 'disk', disk: '/pool/vm-1.qcow2', seed: '/pool/vm-1-seed.iso' }, guestAgent: true });
    const { domain } = parse(buildDomainXml(spec));
    expect(at(domain, 'os', 'boot')).toEqual({ '@_dev': 'hd' });
    expect(at(domain, 'os', 'kernel')).toBeUndefined();
    const [disk, seed] = at(domain, 'devices', 'disk') as unknown[];
    expect(disk).toMatchObject({ '@_device': 'disk', driver: { '@_type': 'qcow2' }, source: { '@_file': '/pool/vm-1.qcow2' }, target: { '@_dev': 'vda', '@_bus': 'virtio' } });
    // A cdrom: its media can be ejected without the guest's cooperation once the boot is complete.
    expect(seed).toMatchObject({ '@_device': 'cdrom', driver: { '@_type': 'raw' }, source: { '@_file': '/pool/vm-1-seed.iso' }, target: { '@_dev': 'hdc', '@_bus': 'ide' } });
    expect(seed).toHaveProperty('readonly');
    expect(at(domain, 'devices', 'channel')).toMatchObject({ '@_type': 'unix', target: { '@_type': 'virtio', '@_name': 'org.qemu.guest_agent.0' } });
  });

  it('has no seed cdrom and no agent channel unless asked', () => {
    const { domain } = parse(buildDomainXml(kernelSpec({ image: { kind: 'disk', disk: '/pool/vm-1.qcow2' } })));
    expect(at(domain, 'devices', 'disk')).toMatchObject({ '@_device': 'disk' });
    expect(at(domain, 'devices', 'channel')).toBeUndefined();
  });

  it('keeps hostile strings as data: one <domain>, no injected elements, no CDATA', () => {
    const xml = buildDomainXml(kernelSpec({ metadata: { [HOSTILE]: HOSTILE } }));
    expect(xml).not.toContain('<evil');
    expect(xml).not.toContain('<![CDATA[');
    expect(xml).not.toContain(']]>');
    expect(xml.match(/<domain[ >]/g)).toHaveLength(1);
  });
});

describe('parseDomainXml', () => {
  it('round-trips name, uuid, sizes and metadata, hostile strings included', () => {
    const metadata = { workflowId: 'vm/p/s/vm-1', [HOSTILE]: ` ${HOSTILE}\n\tsecond line `, empty: '' };
    const spec = kernelSpec({ metadata });
    expect(parseDomainXml(buildDomainXml(spec))).toEqual({ name: 'vm-1', uuid: spec.uuid, vcpus: 2, memoryMiB: 256, metadata });
  });

  it('reports an empty metadata map for a bootshift domain without metadata, none for a foreign domain', () => {
    expect(parseDomainXml(buildDomainXml(kernelSpec())).metadata).toEqual({});
    expect(parseDomainXml('<domain type="qemu"><name>x</name><memory>1024</memory><vcpu>1</vcpu></domain>').metadata).toBeUndefined();
  });

  it('finds the metadata by namespace even when libvirt renamed the prefix', () => {
    const xml = `<domain><name>x</name><uuid>u</uuid><memory unit='GiB'>2</memory><vcpu placement='static'>4</vcpu>
      <metadata><other:thing xmlns:other="urn:other"><other:meta key="a">no</other:meta></other:thing>
      <ns0:vm xmlns:ns0="${BOOTSHIFT_XMLNS}"><ns0:meta key="a">yes</ns0:meta></ns0:vm></metadata></domain>`;
    expect(parseDomainXml(xml)).toEqual({ name: 'x', uuid: 'u', vcpus: 4, memoryMiB: 2048, metadata: { a: 'yes' } });
  });

  it('reads what libvirt 9 dumps for a domain bootshift defined', () => {
    const xml = readFileSync(path.join(__dirname, 'fixtures', 'dumpxml-running.xml'), 'utf8');
    expect(parseDomainXml(xml)).toEqual({
      name: 'h1',
      uuid: '8367c203-c4a9-4507-a3f4-99322c3a9a28',
      vcpus: 1,
      memoryMiB: 128,
      metadata: { 'k"<': ` v]]>&'" \n second line\t`, e: '' },
    });
  });

  it('rejects a document that is not a domain', () => {
    expect(() => parseDomainXml('<network><name>x</name></network>')).toThrow(/no <domain>/);
  });
});
