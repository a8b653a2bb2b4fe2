// The summary and details a VM's workflows are started with (what the Temporal UI shows at the top of their page):
// one line naming the VM, its size and fleet; details short enough for the UI's box; never the user's secrets.
import fc from 'fast-check';
import { formatMiB, parseVmSpec, vmWorkflowMetadata, type VmWorkflowKind } from '../../../domain';

const web = parseVmSpec({
  name: 'web',
  vcpus: 2,
  memoryMiB: 1024,
  image: { kind: 'cloud', volume: 'debian-12-cloud.qcow2', diskGiB: 20, userData: '#cloud-config\npassword: hunter2\n' },
  fleet: 'prod',
  antiAffinityGroup: 'web',
});

test('a provisioning says what the VM is, where it boots, what it waits for and where it goes', () => {
  const { staticSummary, staticDetails } = vmWorkflowMetadata('provision', 'vm/shop/prod/web', web);
  expect(staticSummary).toBe('VM web: 2 vCPU / 1 GiB, fleet prod');
  expect(staticDetails.split('\n')).toEqual([
    '- **image**: cloud `debian-12-cloud.qcow2`, 20 GiB disk, user-data',
    '- **boot host**: undersubscribed (VMs ≤ CPUs) in fleet `prod`, else FIFO queue, anti-affinity group `web`',
    '- **boot-complete**: phone-home via the boot gateway, within 300 s',
    '- **then**: live-migrate to the densest oversubscribed host that fits',
  ]);
});

test('the check and the decommission name their own purpose', () => {
  expect(vmWorkflowMetadata('check', 'vm/shop/prod/web', web).staticSummary).toBe('check VM web: 2 vCPU / 1 GiB, fleet prod');
  const decommission = vmWorkflowMetadata('decommission', 'vm/shop/prod/web', web);
  expect(decommission.staticSummary).toBe('decommission VM web, fleet prod');
  expect(decommission.staticDetails).toContain('`vm/shop/prod/web` if it still runs');
});

test('memory reads in the unit people use', () => {
  expect([64, 128, 1024, 1536, 4096, 1048576].map(formatMiB)).toEqual(['64 MiB', '128 MiB', '1 GiB', '1.5 GiB', '4 GiB', '1024 GiB']);
});

test('for any valid spec: a one-line summary with name, size and fleet, at most four lines of details, and no user-data or command line', () => {
  const secret = fc.stringMatching(/^[a-z0-9]{12,20}$/);
  const image = fc.oneof(
    fc.record({ kind: fc.constant('cloud' as const), volume: fc.constantFrom('base.qcow2', 'debian-12.img'), diskGiB: fc.integer({ min: 1, max: 4096 }), userData: secret.map((s) => `#cloud-config\n# ${s}\n`) }),
    fc.record({ kind: fc.constant('kernel' as const), kernel: fc.constant('/boot/vmlinuz'), initrd: fc.constant('/boot/initrd.img'), cmdline: secret }),
  );
  const spec = fc.record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
    vcpus: fc.integer({ min: 1, max: 64 }),
    memoryMiB: fc.integer({ min: 64, max: 1048576 }),
    image,
    fleet: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
  });
  const kind = fc.constantFrom<VmWorkflowKind>('provision', 'check', 'decommission');
  fc.assert(
    fc.property(spec, kind, (raw, k) => {
      const parsed = parseVmSpec(raw);
      const { staticSummary, staticDetails } = vmWorkflowMetadata(k, `vm/p/s/${parsed.name}`, parsed);
      expect(staticSummary).not.toContain('\n');
      expect(staticSummary).toContain(parsed.name);
      expect(staticSummary).toContain(`fleet ${parsed.fleet}`);
      if (k !== 'decommission') expect(staticSummary).toContain(`${parsed.vcpus} vCPU / ${formatMiB(parsed.memoryMiB)}`);
      expect(staticDetails.split('\n').length).toBeLessThanOrEqual(4);
      const hidden = parsed.image.kind === 'cloud' ? parsed.image.userData! : parsed.image.cmdline!;
      expect(`${staticSummary}\n${staticDetails}`).not.toContain(hidden.replace(/^#cloud-config\n# /, '').trim());
    }),
  );
});
