// migrateVm's failover rule with a fake hypervisor (unit test): any retryable failure, whether of the adapter's checks
// before the move or of the move itself, stays retryable for the first attempts and becomes a final MigrationFailed from
// attempt MIGRATION_ATTEMPTS on, so the workflow tries another settle host instead of retrying one that is gone.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { HypervisorError, type Hypervisor } from '../../../activities/hypervisor';
import { createVmActivities, MIGRATION_ATTEMPTS } from '../../../activities/vm-activities';
import { Failure } from '../../../domain';

const input = { fleet: 'f', workflowId: 'vm/x', domainName: 'bs-x', from: 'boot-1', to: 'settle-1', attempt: 1 };
const unavailable = () => new HypervisorError('failed to connect to the hypervisor', Failure.HypervisorUnavailable, false);

function activities(hypervisor: Partial<Hypervisor>) {
  return createVmActivities({
    hypervisor: hypervisor as Hypervisor,
    // Shared storage: nothing to copy, so the migration itself is all the activity asks of the hypervisor.
    inventory: {
      load: async () => ({ fleet: 'f', storagePool: { name: 'bootshift', path: '/pool' }, imageDirs: [] }) as never,
      host: async (_fleet, name) => ({ name, uri: `test:///${name}`, migrationAddress: '127.0.0.1', domainType: 'qemu', storage: 'shared' }) as never,
    },
    bootCallback: { url: () => 'http://127.0.0.1/', token: () => 't' } as never,
    workflows: { signalMigrationProgress: async () => undefined } as never,
  });
}

async function failureAt(attempt: number, hypervisor: Partial<Hypervisor>): Promise<ApplicationFailure> {
  // The failures are the point here: keep the environment's own failure log quiet.
  const env = new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
  const err: unknown = await env.run(activities(hypervisor).migrateVm, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

// The adapter asks both hosts where the domain is before it moves anything: a dead target daemon fails that.
const targetGone: Partial<Hypervisor> = {
  migrate: ({ to }) => Promise.reject(to.name === 'settle-1' ? unavailable() : new Error('unexpected target')),
};

const jobFails: Partial<Hypervisor> = {
  migrate: () => Promise.reject(new HypervisorError('operation failed: migration job: unexpectedly failed', Failure.MigrationFailed, false)),
};

test.each([
  ['a target whose daemon is gone (the checks fail)', targetGone, Failure.HypervisorUnavailable],
  ['a migration job that fails', jobFails, Failure.MigrationFailed],
])(`%s: retried on the same target, then final at attempt ${MIGRATION_ATTEMPTS}`, async (_what, hypervisor, firstType) => {
  for (let attempt = 1; attempt < MIGRATION_ATTEMPTS; attempt += 1) {
    await expect(failureAt(attempt, hypervisor)).resolves.toMatchObject({ type: firstType, nonRetryable: false });
  }
  const final = await failureAt(MIGRATION_ATTEMPTS, hypervisor);
  expect(final).toMatchObject({ type: Failure.MigrationFailed, nonRetryable: true });
  expect(final.message).toContain(firstType);
});

test('a permanent failure is final at once, with its own type', async () => {
  const failure = await failureAt(1, {
    migrate: () => Promise.reject(new HypervisorError('unknown host', Failure.UnknownHost, true)),
  });
  expect(failure).toMatchObject({ type: Failure.UnknownHost, nonRetryable: true });
});
