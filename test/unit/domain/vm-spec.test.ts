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
    });
  });

  it('parses a disk spec with every option', () => {
    const raw = {
      name: 'db',
      vcpus: 64,
      memoryMiB: 1048576,
      image: { kind: 'disk', disk: '/images/db.qcow2', format: 'qcow2', userData: '#cloud-config\n' },
      bootTimeoutSeconds: 3600,
      waitFor: 'booted',
      fleet: 'lab',
      antiAffinityGroup: 'db',
    };
    expect(parseVmSpec(raw)).toEqual(raw);
  });

  it('reports every broken rule at once', () => {
    expect(
      issuesOf({
        name: 'Web',
        vcpus: 65,
        memoryMiB: 63,
        image: { kind: 'disk', disk: '/a/../b', format: 'vmdk' },
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
      'image.disk: must be a normalised absolute path ("/b", not "/a/../b")',
      'image.format: must be "qcow2" or "raw"',
      'bootTimeoutSeconds: must be an integer from 1 to 3600',
      'waitFor: must be "settled" or "booted"',
      'fleet: must be 1-63 characters of a-z, 0-9 and "-", starting with a letter',
      'antiAffinityGroup: must be a string',
      'color: is not a known field',
    ]);
  });

  it.each([
    [{ kind: 'iso' }, ['image.kind: must be an image with kind "kernel" or "disk"']],
    [{ kind: 'kernel' }, ['image.kernel: is required', 'image.initrd: is required']],
    [{ ...kernel, kernel: 'boot/vmlinuz' }, ['image.kernel: must be an absolute path of A-Z, a-z, 0-9, "._/+@-"']],
    [{ ...kernel, cmdline: 'console=ttyS0\nrm' }, ['image.cmdline: must be one line']],
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
