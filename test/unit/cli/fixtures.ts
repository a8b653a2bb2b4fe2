// VM statuses as the provisionVm workflow reports them at each phase, for the CLI's view and watch tests.
import type { VmPhase, VmStatus } from '../../../workflows/types';

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export function vmStatus(name: string, phase: VmPhase, overrides: Partial<VmStatus> = {}): VmStatus {
  const base: VmStatus = {
    vmId: `vm/proj/dev/${name}`,
    name,
    phase,
    domainName: `bs-${name}-00000000`,
    host: null,
    bootHost: null,
    settleHost: null,
    queuePosition: null,
    timings: { requestedAt: T0 },
    migration: null,
    migrationAttempts: [],
    bootSource: null,
    error: null,
    leftovers: [],
  };
  const booting = { host: 'boot-1', bootHost: 'boot-1', timings: { requestedAt: T0, placedAt: T0 + 200, bootStartedAt: T0 + 200 } };
  const booted = { ...booting.timings, bootedAt: T0 + 1400 };
  const byPhase: Partial<Record<VmPhase, Partial<VmStatus>>> = {
    booting,
    migrating: {
      ...booting,
      settleHost: 'settle-1',
      migration: { target: 'settle-1', percent: 40, attempt: 1 },
      bootSource: 'guest',
      timings: { ...booted, migrateStartedAt: T0 + 1500 },
    },
    settled: {
      host: 'settle-1',
      bootHost: 'boot-1',
      settleHost: 'settle-1',
      bootSource: 'guest',
      timings: { ...booted, migrateStartedAt: T0 + 1500, settledAt: T0 + 2600 },
    },
    unsettled: { ...booting, bootSource: 'guest', timings: booted, error: 'no settle host fits' },
    failed: { error: 'no boot host for VM: fleet is empty' },
  };
  return { ...base, ...byPhase[phase], ...overrides };
}
