import { InventoryError, parseInventory } from '../../../domain';

const SOCKET = 'qemu+unix:///system?socket=/tmp/bs-x/h0/run/libvirt-sock';

function issuesOf(raw: unknown): string[] {
  try {
    parseInventory(raw);
  } catch (e) {
    if (e instanceof InventoryError) return e.issues;
    throw e;
  }
  throw new Error('expected an InventoryError');
}

const host = (extra: Record<string, unknown> = {}) => ({
  name: 'boot-1',
  uri: SOCKET,
  cpus: 1,
  memoryMiB: 2048,
  pool: 'boot',
  ...extra,
});

describe('parseInventory', () => {
  it('parses the documented example and fills defaults', () => {
    const inventory = parseInventory({
      fleet: 'lab',
      hosts: [
        host({ labels: { zone: 'a' }, migrationAddress: '127.0.0.1' }),
        { name: 'settle-1', uri: 'qemu+ssh://root@h1.example:22/system', cpus: 4, memoryMiB: 8192, pool: 'settle' },
      ],
    });
    expect(inventory).toEqual({
      fleet: 'lab',
      policy: { bootVcpusWithinCpus: true },
      imageDirs: [],
      storagePool: { name: 'bootshift', path: '/var/lib/libvirt/bootshift' },
      migrationTransport: 'tcp',
      hosts: [
        { ...host(), state: 'active', labels: { zone: 'a' }, migrationAddress: '127.0.0.1', domainType: 'qemu', storage: 'local' },
        {
          name: 'settle-1',
          uri: 'qemu+ssh://root@h1.example:22/system',
          cpus: 4,
          memoryMiB: 8192,
          pool: 'settle',
          cpuAllocationRatio: 4,
          state: 'active',
          labels: {},
          domainType: 'qemu',
          storage: 'local',
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(inventory))).toEqual(inventory);
  });

  it.each([
    ['test:///default'],
    ['qemu:///system'],
    ['qemu+tls://h.example/system'],
    ['qemu+tcp://10.0.0.1:16509/system'],
    ['qemu+ssh://u@[2001:db8::1]:22/system?keyfile=/root/.ssh/id'],
  ])('accepts the libvirt URI %s', (uri) => {
    expect(parseInventory({ fleet: 'f', hosts: [host({ uri })] }).hosts[0]?.uri).toBe(uri);
  });

  it.each([
    ['http://h/system'],
    ['qemu:///system; rm -rf /'],
    ['qemu:///system?socket=/a&x=1'],
    ['qemu:///sys tem'],
    ['qemu:///$(id)'],
    ['qemu+unix:system'],
    // libvirt decodes escapes: %26 is the "&" of a second parameter, %3B a ";".
    ['qemu+ssh://h/system?keyfile=/k%26no_verify=1'],
    ['qemu:///system%3Brm'],
  ])('rejects the libvirt URI %j', (uri) => {
    expect(issuesOf({ fleet: 'f', hosts: [host({ uri })] })).toEqual([
      'hosts[0].uri: must be a libvirt URI (qemu+unix, qemu+ssh, qemu+tls, qemu+tcp, qemu or test scheme) without spaces, escapes or shell metacharacters',
    ]);
  });

  it.each([['qemu+tls://h.example/system?no_verify=1'], ['qemu+ssh://h/system?command=/bin/sh']])('rejects the URI parameter of %s', (uri) => {
    expect(issuesOf({ fleet: 'f', hosts: [host({ uri })] })).toEqual([
      'hosts[0].uri: may carry one parameter, of socket, keyfile, pkipath, known_hosts, sshauth, no_tty (never no_verify)',
    ]);
  });

  it('sees one host spelled two ways as one host', () => {
    const issues = issuesOf({
      fleet: 'f',
      hosts: [host({ name: 'a', uri: 'qemu+ssh://root@H1.example:22/system' }), host({ name: 'b', uri: 'qemu+ssh://root@h1.example//system/' })],
    });
    expect(issues).toEqual(['hosts[1].uri: duplicate host uri "qemu+ssh://root@h1.example/system"']);
  });

  it('reports each broken rule with its path, all at once', () => {
    const issues = issuesOf({
      fleet: 'Lab',
      extra: true,
      policy: { bootVcpusWithinCpus: 'yes' },
      hosts: [
        host({ cpus: 0, memoryMiB: 1.5, cpuAllocationRatio: 2, cpu: 3 }),
        { name: 'boot-1', uri: SOCKET, cpus: '2', pool: 'dense', state: 'up', domainType: 'xen' },
        host({ name: 's', pool: 'settle', cpuAllocationRatio: 100, labels: { 'bad key': 'v', ok: 3 }, migrationAddress: 'a b' }),
        7,
      ],
    });
    expect(issues).toEqual([
      'fleet: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'policy.bootVcpusWithinCpus: must be true or false',
      'hosts[0].cpus: must be a positive integer',
      'hosts[0].memoryMiB: must be a positive integer',
      'hosts[0].cpu: is not a known field',
      'hosts[1].cpus: must be a positive integer',
      'hosts[1].memoryMiB: is required',
      'hosts[1].pool: must be "boot" or "settle"',
      'hosts[1].state: must be "active", "draining" or "down"',
      'hosts[1].domainType: must be "qemu" or "kvm"',
      'hosts[2].cpuAllocationRatio: must be a number from 1 to 64',
      'hosts[2].labels["bad key"]: label keys must be 1-63 characters of A-Z, a-z, 0-9, ".", "_", "/" and "-"',
      'hosts[2].labels.ok: must be a string',
      'hosts[2].migrationAddress: must be an IPv4 address, an IPv6 address or a host name',
      'hosts[3]: must be a host object',
      'extra: is not a known field',
      'hosts[0].cpuAllocationRatio: is only allowed on settle hosts (boot hosts are never oversubscribed)',
      'hosts[1].name: duplicate host name "boot-1"',
      'hosts[1].uri: duplicate host uri "qemu+unix:///system?socket=/tmp/bs-x/h0/run/libvirt-sock"',
      'hosts[2].uri: duplicate host uri "qemu+unix:///system?socket=/tmp/bs-x/h0/run/libvirt-sock"',
    ]);
  });

  it('reports a duplicate name at the later host, as the brief words it', () => {
    const hosts = [host(), host({ name: 'boot-2', uri: 'test:///a' }), host({ uri: 'test:///b' })];
    expect(issuesOf({ fleet: 'f', hosts })).toEqual(['hosts[2].name: duplicate host name "boot-1"']);
  });

  it('rejects a ratio on an otherwise valid boot host', () => {
    expect(issuesOf({ fleet: 'f', hosts: [host({ cpuAllocationRatio: 4 })] })).toEqual([
      'hosts[0].cpuAllocationRatio: is only allowed on settle hosts (boot hosts are never oversubscribed)',
    ]);
  });

  it.each([
    [null, ['must be an object with fleet, policy, imageDirs, storagePool, migrationTransport and hosts']],
    [{ fleet: 'f', hosts: [] }, ['hosts: must list at least one host']],
    [{ fleet: 'f', hosts: {} }, ['hosts: must be a list of hosts']],
    [{ hosts: [host()] }, ['fleet: is required']],
    [{ fleet: 'f', policy: 1, hosts: [host()] }, ['policy: must be an object']],
  ])('rejects %j', (raw, expected) => {
    expect(issuesOf(raw)).toEqual(expected);
  });

  it('keeps the issues on the error message too', () => {
    expect(() => parseInventory({ fleet: 'f', hosts: [] })).toThrow(/invalid inventory:\n {2}hosts: must list/);
  });
});
