import { VmSpecError, parseVmSpec } from '../../../domain';

function issuesOf(raw: unknown): string[] {
  try {
    parseVmSpec(raw);
  } catch (e) {
    if (e instanceof VmSpecError) return e.issues;
    throw e;
  }
  throw new Error('expected a VmSpecError');
}

const kernel = { kind: 'kernel', kernel: '/boot/vmlinuz-6.1.0', initrd: '/var/lib/bootshift/initrd.cpio.gz' };

describe('parseVmSpec', () => {
  it('parses a kernel spec and fills defaults', () => {
    expect(parseVmSpec({ name: 'web-1', vcpus: 2, memoryMiB: 256, image: kernel })).toEqual({
      name: 'web-1',
      vcpus: 2,
      memoryMiB: 256,
      image: kernel,
      bootTimeoutSeconds: 300,
      waitFor: 'settled',
      fleet: 'default',
      bootSignal: 'phone-home',
    });
  });

  it('parses a cloud spec with every option', () => {
    const raw = {
      name: 'db',
      vcpus: 64,
      memoryMiB: 1048576,
      image: { kind: 'cloud', volume: 'debian-12-cloud.qcow2', diskGiB: 20, userData: '#cloud-config\npackages: [postgresql]\n' },
      bootTimeoutSeconds: 3600,
      waitFor: 'booted',
      fleet: 'lab',
      antiAffinityGroup: 'db',
      bootSignal: 'guest-agent',
    };
    expect(parseVmSpec(raw)).toEqual(raw);
  });

  const cloud = { kind: 'cloud', volume: 'debian-12-cloud.qcow2', diskGiB: 4 };
  it.each([
    ['#cloud-config\npackages: [nginx\n', /^image\.userData: must be valid YAML: .* at line \d+, column \d+$/],
    ['packages: [nginx]\n', /^image\.userData: must be a #cloud-config document/],
    ['#cloud-config\n- a list\n', /^image\.userData: must be a YAML mapping of cloud-config modules$/],
    ['#cloud-config\nphone_home: { url: "http://evil/" }\n', /^image\.userData: must not set phone_home: bootshift adds its own/],
  ])('rejects the user-data %j, naming the field', (userData, expected) => {
    const issues = issuesOf({ name: 'v', vcpus: 1, memoryMiB: 64, image: { ...cloud, userData } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(expected);
  });

  it.each([
    [{ ...cloud, volume: '../../etc/shadow' }, 'image.volume: must be a volume name'],
    [{ ...cloud, volume: 'a..b.qcow2' }, 'image.volume: must not contain ".."'],
    [{ ...cloud, diskGiB: 0 }, 'image.diskGiB: must be an integer from 1 to 4096'],
  ])('rejects the cloud image %j', (image, expected) => {
    expect(issuesOf({ name: 'v', vcpus: 1, memoryMiB: 64, image })[0]).toContain(expected);
  });

  it('asks for a cloud image when the boot signal is the guest agent', () => {
    expect(issuesOf({ name: 'v', vcpus: 1, memoryMiB: 64, image: kernel, bootSignal: 'guest-agent' })).toEqual([
      'bootSignal: "guest-agent" needs a cloud image (it waits for cloud-init to report done)',
    ]);
  });

  it('reports every broken rule at once', () => {
    expect(
      issuesOf({
        name: 'Web',
        vcpus: 65,
        memoryMiB: 63,
        image: { kind: 'cloud', volume: 'base.qcow2', diskGiB: 0.5 },
        bootTimeoutSeconds: 9.5,
        waitFor: 'running',
        fleet: '',
        antiAffinityGroup: 3,
        color: 'red',
      }),
    ).toEqual([
      'name: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'vcpus: must be an integer from 1 to 64',
      'memoryMiB: must be an integer from 64 to 1048576',
      'image.diskGiB: must be an integer from 1 to 4096',
      'bootTimeoutSeconds: must be an integer from 1 to 3600',
      'waitFor: must be "settled" or "booted"',
      'fleet: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'antiAffinityGroup: must be a string',
      'color: is not a known field',
    ]);
  });

  it.each([
    [{ kind: 'iso' }, ['image.kind: must be an image with kind "cloud" or "kernel"']],
    [{ kind: 'kernel' }, ['image.kernel: is required', 'image.initrd: is required']],
    [{ ...kernel, kernel: 'boot/vmlinuz' }, ['image.kernel: must be an absolute path of A-Z, a-z, 0-9, "._/+@-"']],
    [{ ...kernel, cmdline: 'console=ttyS0\nrm' }, ['image.cmdline: must be one line of printable ASCII (no tabs or control characters)']],
    [{ ...kernel, cmdline: 'quiet\tinit=/bin/sh' }, ['image.cmdline: must be one line of printable ASCII (no tabs or control characters)']],
    [{ ...kernel, cmdline: 'x'.repeat(2049) }, ['image.cmdline: must be at most 2048 characters (bootshift adds its own parameters within the 4096 the kernel takes)']],
    [{ ...kernel, initrd: '/../dev/sda' }, ['image.initrd: must be a normalised absolute path ("/dev/sda", not "/../dev/sda")']],
    [{ ...kernel, disk: '/x' }, ['image.disk: is not a known field']],
  ])('rejects the image %j', (image, expected) => {
    expect(issuesOf({ name: 'v', vcpus: 1, memoryMiB: 64, image })).toEqual(expected);
  });

  it('requires the mandatory fields', () => {
    expect(issuesOf({})).toEqual([
      'name: is required',
      'vcpus: is required',
      'memoryMiB: is required',
      'image: is required',
    ]);
  });
});
