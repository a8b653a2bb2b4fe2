// provisionVm: the patent's flow for one VM. Reserve room on an undersubscribed host (waiting in the ledger's FIFO
// queue when there is none), boot there, wait for the guest to say its boot is complete, then live-migrate it to an
// oversubscribed host. Every step that changes the world registers its undo; on failure or cancellation the undo
// steps run in reverse, so nothing is left half-made.
import {
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  allHandlersFinished,
  condition,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { Failure, VmSpecError, bootReservationId as bootReservationIdFor, domainNameFor, parseVmSpec } from '../domain';
import { ledger, vms } from './activity-stubs';
import { Compensations } from './compensations';
import {
  bootCompleteSignal,
  bootSlotGrantedSignal,
  getStatusQuery,
  migrationProgressSignal,
  waitForPhaseUpdate,
} from './messages';
import { moveToSettleHost } from './settle';
import type { ProvisionVmInput, ProvisionVmResult } from './types';
import { VmTracker } from './vm-tracker';

export async function provisionVm(rawInput: ProvisionVmInput): Promise<ProvisionVmResult> {
  const input = { ...rawInput, spec: validSpec(rawInput.spec) };
  const vm = new VmTracker(input, domainNameFor(input.vmId));
  setHandler(getStatusQuery, () => vm.status);
  setHandler(bootSlotGrantedSignal, (grant) => vm.slotGranted(grant));
  setHandler(bootCompleteSignal, (event) => vm.bootComplete(event));
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

async function provision(vm: VmTracker, saga: Compensations, input: ProvisionVmInput): Promise<ProvisionVmResult> {
  const { spec, vmId } = input;
  const fleet = spec.fleet;
  const domainName = vm.status.domainName;
  const bootReservationId = bootReservationIdFor(vmId, workflowInfo().runId);

  saga.add('release boot slot', () => ledger.releaseSlot({ fleet, reservationId: bootReservationId }));
  const bootHost = await reserveBootHost(vm, input, bootReservationId);
  const queuedMs = Date.now() - vm.status.timings.requestedAt;

  vm.booting(bootHost);
  saga.add(`destroy on ${bootHost}`, () => vms.destroyVm({ fleet, host: bootHost, domainName }));
  await vms.defineAndStartVm({ fleet, vmId, workflowId: workflowInfo().workflowId, domainName, uuid: uuid4(), host: bootHost, spec });
  if (!(await condition(() => vm.booted !== undefined, spec.bootTimeoutSeconds * 1000))) {
    throw ApplicationFailure.nonRetryable(
      `VM ${spec.name} did not report boot complete within ${spec.bootTimeoutSeconds}s on ${bootHost}; ` +
        'its domain is destroyed and undefined and its boot slot released',
      Failure.BootTimeout,
    );
  }
  const bootMs = vm.status.timings.bootedAt! - vm.status.timings.bootStartedAt!;

  const outcome = await moveToSettleHost(vm, saga, { fleet, vmId, domainName, bootHost, maxHosts: input.maxSettleHosts ?? 3 });
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
    totalMs: Date.now() - vm.status.timings.requestedAt,
    bootSource: vm.booted!.source,
    bootReservationId,
    settleReservationId: outcome.settled ? outcome.reservationId : null,
    migrationAttempts: vm.status.migrationAttempts,
  };
}

async function reserveBootHost(vm: VmTracker, input: ProvisionVmInput, reservationId: string): Promise<string> {
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
  if (!(await condition(() => vm.grant?.reservationId === reservationId, timeoutSeconds * 1000))) {
    throw ApplicationFailure.nonRetryable(
      `VM ${spec.name} waited ${timeoutSeconds}s in the boot queue without an undersubscribed host freeing up`,
      Failure.NoBootCapacity,
    );
  }
  return vm.grant!.host;
}

/** Callers validate too (Pulumi check, CLI); this makes a bad spec fail before anything is reserved or defined. */
function validSpec(spec: unknown): ProvisionVmInput['spec'] {
  try {
    return parseVmSpec(spec);
  } catch (err) {
    if (err instanceof VmSpecError) throw ApplicationFailure.nonRetryable(err.message, Failure.InvalidVmSpec);
    throw err;
  }
}
