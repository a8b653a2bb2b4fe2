// provisionVm: the patent's flow for one VM. Reserve room on an undersubscribed host (waiting in the ledger's FIFO
// queue when there is none), boot there, wait for the guest to say its boot is complete, then live-migrate it to an
// oversubscribed host. Every step that changes the world registers its undo; on failure or cancellation the undo
// steps run in reverse, so nothing is left half-made.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { Failure, VmSpecError, bootReservationId as bootReservationIdFor, domainNameFor, idSchema, parseVmSpec, type VmSpec } from '../domain';
import { checks, ledger, vms, watchers } from './activity-stubs';
import { Teardown } from './teardown';
import { Compensations } from './compensations';
import {
  bootCompleteUpdate,
  bootSlotGrantedSignal,
  getStatusQuery,
  migrationProgressSignal,
  waitForPhaseUpdate,
} from './messages';
import { recordBoot, recordQueueWait } from './metrics';
import { moveToSettleHost } from './settle';
import type { ProvisionVmInput, ProvisionVmResult } from './types';
import { VmTracker } from './vm-tracker';

export async function provisionVm(rawInput: ProvisionVmInput): Promise<ProvisionVmResult> {
  const input = validInput(rawInput);
  const vm = new VmTracker(input, domainNameFor(input.vmId));
  setHandler(getStatusQuery, () => vm.status);
  setHandler(bootSlotGrantedSignal, (grant) => vm.slotGranted(grant));
  setHandler(bootCompleteUpdate, (event) => vm.bootComplete(event), { validator: (event) => vm.checkBootComplete(event) });
  setHandler(migrationProgressSignal, (event) => vm.migrationProgress(event));
  setHandler(waitForPhaseUpdate, ({ phase }) => vm.waitFor(phase), { validator: VmTracker.checkWaitable });
  const saga = new Compensations();
  try {
    return await provision(vm, saga, input);
  } catch (err) {
    vm.failed(err instanceof Error ? err.message : String(err));
    vm.leftBehind(await saga.runAll());
    throw err instanceof TemporalFailure ? err : ApplicationFailure.nonRetryable(String(err), Failure.ProvisioningFailed);
  } finally {
    vm.finish();
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}

async function provision(vm: VmTracker, saga: Compensations, input: ValidInput): Promise<ProvisionVmResult> {
  const { spec, vmId } = input;
  const fleet = spec.fleet;
  const domainName = vm.status.domainName;
  const bootReservationId = bootReservationIdFor(vmId, workflowInfo().runId);
  // What only the worker can judge (image paths, the base image, the disk size) fails here, before any reservation.
  await checks.checkVm({ spec }).catch((err: unknown) => {
    // Fail with the check's own failure, whose message and details name the fields, not the activity's wrapper.
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    throw cause instanceof ApplicationFailure && cause.type === Failure.InvalidVmSpec ? cause : err;
  });

  // Which provisioning a domain is, kept in its metadata: a reset and a continue-as-new keep the first run id, and a VM
  // re-created under its id (a new workflow) gets a new one, so a late teardown of this one spares that VM.
  const firstRunId = workflowInfo().firstExecutionRunId;
  const teardown = new Teardown(firstRunId);
  saga.add('release boot slot', () => teardown.release(fleet, bootReservationId));
  const bootHost = await reserveBootHost(vm, input, bootReservationId);
  const queuedMs = Date.now() - vm.status.timings.requestedAt;
  recordQueueWait(fleet, queuedMs);

  vm.booting(bootHost);
  saga.add(`destroy on ${bootHost}`, () => teardown.destroyOrFail({ fleet, vmId, domainName, host: bootHost, reservationId: bootReservationId }));
  const workflowId = workflowInfo().workflowId;
  // The guest's token is made for this nonce (and this run); the tracker accepts it once the domain is defined.
  const bootNonce = uuid4();
  await vms.defineAndStartVm({ fleet, vmId, workflowId, bootNonce, firstRunId, domainName, uuid: uuid4(), host: bootHost, spec });
  vm.awaitBoot(bootNonce);
  if (!(await bootCompleted(vm, spec, { fleet, host: bootHost, domainName, workflowId }))) {
    throw ApplicationFailure.nonRetryable(
      `VM ${spec.name} did not report boot complete within ${spec.bootTimeoutSeconds}s on ${bootHost}; ` +
        'its domain is destroyed and undefined, its volumes deleted and its boot slot released',
      Failure.BootTimeout,
    );
  }
  const bootMs = vm.status.timings.bootedAt! - vm.status.timings.bootStartedAt!;
  recordBoot(fleet, bootMs);
  // The seed holds the boot token and the user's secrets, and is of no use after boot: it must not travel.
  if (spec.image.kind === 'cloud') await vms.detachSeed({ fleet, host: bootHost, domainName });

  const outcome = await moveToSettleHost(vm, saga, teardown, { fleet, vmId, domainName, bootHost, maxHosts: input.maxSettleHosts ?? 3 });
  if (!outcome.settled) vm.unsettled(outcome.reason);
  return {
    vmId,
    domainName,
    host: outcome.settled ? outcome.host : bootHost,
    bootHost,
    settleHost: outcome.settled ? outcome.host : null,
    settled: outcome.settled,
    ...(!outcome.settled && { note: `kept running on boot host ${bootHost}: ${outcome.reason}` }),
    queuedMs,
    bootMs,
    migrateMs: outcome.settled ? outcome.migrateMs : null,
    migrateDiskMiB: outcome.settled ? outcome.diskMiB : null,
    totalMs: Date.now() - vm.status.timings.requestedAt,
    bootSource: vm.booted!.source,
    bootReservationId,
    settleReservationId: outcome.settled ? outcome.reservationId : null,
    migrationAttempts: vm.status.migrationAttempts,
  };
}

/**
 * Waits for the boot-complete signal, up to the boot timeout. With `bootSignal: 'guest-agent'` the signal comes from
 * a watcher activity that asks the guest agent meanwhile; it is cancelled once the wait is over either way.
 */
async function bootCompleted(
  vm: VmTracker,
  spec: VmSpec,
  where: { fleet: string; host: string; domainName: string; workflowId: string },
): Promise<boolean> {
  const summary = `boot timeout: ${spec.name} must report boot complete within ${spec.bootTimeoutSeconds} s`;
  const booted = () => condition(() => vm.booted !== undefined, spec.bootTimeoutSeconds * 1000, { summary });
  if (spec.bootSignal !== 'guest-agent') return booted();
  const watching = new CancellationScope();
  const watcher = watching.run(() => watchers.awaitGuestAgent(where)).catch((err: unknown) => {
    if (!isCancellation(err)) throw err;
  });
  try {
    return await booted();
  } finally {
    watching.cancel();
    await watcher;
  }
}

async function reserveBootHost(vm: VmTracker, input: ValidInput, reservationId: string): Promise<string> {
  const { spec, vmId } = input;
  const reply = await ledger.reserveBootSlot({
    fleet: spec.fleet,
    reservationId,
    vmId,
    workflowId: workflowInfo().workflowId,
    vcpus: spec.vcpus,
    memoryMiB: spec.memoryMiB,
    ...(spec.antiAffinityGroup !== undefined && { antiAffinityGroup: spec.antiAffinityGroup }),
  });
  if (reply.status === 'rejected') {
    throw ApplicationFailure.nonRetryable(`no boot host for VM ${spec.name}: ${reply.reason}`, Failure.NoBootCapacity);
  }
  if (reply.status === 'reserved') return reply.host;
  vm.queued(reply.position);
  const timeoutSeconds = input.queueTimeoutSeconds ?? 3600;
  const summary = `boot queue timeout: a boot slot in fleet ${spec.fleet} must be granted within ${timeoutSeconds} s`;
  if (!(await condition(() => vm.grant?.reservationId === reservationId, timeoutSeconds * 1000, { summary }))) {
    throw ApplicationFailure.nonRetryable(
      `VM ${spec.name} waited ${timeoutSeconds}s in the boot queue without an undersubscribed host freeing up`,
      Failure.NoBootCapacity,
    );
  }
  return vm.grant!.host;
}

/** The input once checked: the spec with its defaults. */
type ValidInput = Omit<ProvisionVmInput, 'spec'> & { spec: VmSpec };

/**
 * Callers validate too (Pulumi check, CLI); this makes bad input fail the workflow at once, before anything is
 * reserved or defined, rather than fail its workflow task over and over.
 */
function validInput(raw: ProvisionVmInput): ValidInput {
  const issues: string[] = [];
  if (!idSchema.safeParse(raw?.vmId).success) issues.push('vmId: must be a VM id (vm/<project>/<stack>/<name>)');
  let spec: VmSpec | undefined;
  try {
    spec = parseVmSpec(raw?.spec);
  } catch (err) {
    if (!(err instanceof VmSpecError)) throw err;
    issues.push(...err.issues.map((line) => `spec.${line}`));
  }
  if (issues.length > 0 || !spec) throw ApplicationFailure.nonRetryable(`invalid VM spec:\n  ${issues.join('\n  ')}`, Failure.InvalidVmSpec);
  return { ...raw, spec };
}
