// The line the Temporal UI shows as a provisionVm's current details, from the VM's status alone: one per phase, with
// the queue position, what the boot waits for, migration progress and rate, and the timings once settled.
import { parseVmSpec } from '../../../domain';
import type { VmStatus } from '../../../workflows/types';
import { currentDetails } from '../../../workflows/vm-tracker';

const spec = parseVmSpec({ name: 'web', vcpus: 2, memoryMiB: 1024, image: { kind: 'kernel', kernel: '/b/vmlinuz', initrd: '/b/initrd' }, fleet: 'prod' });

const placing: VmStatus = {
  vmId: 'vm/shop/prod/web',
  name: 'web',
  phase: 'placing',
  domainName: 'bs-web-0123456789abcdef',
  host: null,
  bootHost: null,
  settleHost: null,
  queuePosition: null,
  timings: { requestedAt: 1_000 },
  migration: null,
  migrationAttempts: [],
  bootSource: null,
  error: null,
  leftovers: [],
};
const booting: VmStatus = { ...placing, phase: 'booting', host: 'boot-1', bootHost: 'boot-1', timings: { requestedAt: 1_000, placedAt: 2_000, bootStartedAt: 2_000 } };
const booted: VmStatus = { ...booting, bootSource: 'guest', timings: { ...booting.timings, bootedAt: 16_200 } };
const migrating: VmStatus = {
  ...booted,
  phase: 'migrating',
  settleHost: 'settle-2',
  timings: { ...booted.timings, migrateStartedAt: 17_000 },
  migration: { target: 'settle-2', percent: 63.7, attempt: 2, dataProcessedMiB: 354, elapsedMs: 3_000, diskProcessedMiB: 40.2, diskTotalMiB: 120 },
  migrationAttempts: [{ host: 'settle-1', error: 'connection reset' }],
};

test.each<[string, VmStatus, string]>([
  ['placing', placing, 'placing: looking for an undersubscribed boot host in fleet prod'],
  ['queued', { ...placing, queuePosition: 3 }, "queued: position 3 in fleet prod's boot queue (no undersubscribed host has room)"],
  ['booting', booting, "booting on boot-1 (waiting for the guest's phone-home, up to 300 s)"],
  ['booted', booted, "booted on boot-1 in 14.2 s (boot-complete from the guest's phone-home); looking for a settle host"],
  ['migrating', migrating, 'migrating boot-1 → settle-2, 63%, 118 MiB/s, disk 40 / 120 MiB (failed before on settle-1)'],
  ['a slow migration', { ...migrating, migrationAttempts: [], migration: { ...migrating.migration!, dataProcessedMiB: 12, diskTotalMiB: undefined } }, 'migrating boot-1 → settle-2, 63%, 4.0 MiB/s'],
  ['before the first progress report', { ...migrating, migrationAttempts: [], migration: { target: 'settle-2', percent: 0, attempt: 1 } }, 'migrating boot-1 → settle-2, 0%'],
  ['after a failed migration', { ...migrating, migration: null }, 'running on boot-1: migration to settle-1 failed (connection reset); looking for another settle host'],
  ['settled', { ...migrating, phase: 'settled', host: 'settle-2', migration: null, timings: { ...migrating.timings, settledAt: 20_100 } }, 'settled on settle-2 after 14.2 s boot, 3.1 s migration'],
  ['unsettled', { ...booted, phase: 'unsettled', error: 'no settle host has room' }, 'unsettled: kept running on boot host boot-1: no settle host has room'],
  [
    'failed, with what was left behind',
    { ...booting, phase: 'failed', error: 'invalid VM spec:\n  spec.vcpus: must be an integer', leftovers: ['destroy on boot-1'] },
    'failed: invalid VM spec: spec.vcpus: must be an integer; left behind: destroy on boot-1',
  ],
])('%s', (_what, status, expected) => {
  expect(currentDetails(status, spec)).toBe(expected);
});

test('a guest-agent VM says it waits for the agent', () => {
  const agent = parseVmSpec({ ...spec, image: { kind: 'cloud', volume: 'base.qcow2', diskGiB: 4 }, bootSignal: 'guest-agent', bootTimeoutSeconds: 600 });
  expect(currentDetails(booting, agent)).toBe('booting on boot-1 (waiting for the guest agent to report cloud-init done, up to 600 s)');
});
