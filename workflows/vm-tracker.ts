// What a provisionVm workflow knows about its VM, and the one place that changes it: every phase change also upserts
// the search attributes, so the Temporal UI can list VMs by phase and host (e.g. `VmPhase = "migrating"`), and the
// signal, query and update handlers read and write the same status.
import {
  ApplicationFailure,
  condition,
  log,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { Failure } from '../domain';
import {
  bootCompleteSignal,
  bootHostKey,
  bootSlotGrantedSignal,
  getStatusQuery,
  migrationProgressSignal,
  settleHostKey,
  vmHostKey,
  vmNameKey,
  vmPhaseKey,
  waitForPhaseUpdate,
} from './messages';
import type { BootCompleteEvent, ProvisionVmInput, VmPhase, VmStatus, WaitablePhase } from './types';

const WAITABLE: readonly string[] = ['booting', 'booted', 'migrating', 'settled'];
const RANK: Record<VmPhase, number> = { placing: 0, booting: 1, migrating: 3, settled: 4, unsettled: 4, failed: -1, decommissioned: -1 };

export class VmTracker {
  readonly status: VmStatus;
  grant: { reservationId: string; host: string } | undefined;
  bootEvent: BootCompleteEvent | undefined;
  private done = false;

  constructor(input: ProvisionVmInput, domainName: string) {
    this.status = {
      vmId: input.vmId,
      name: input.spec.name,
      phase: 'placing',
      domainName,
      host: null,
      bootHost: null,
      settleHost: null,
      queuePosition: null,
      timings: { requestedAt: Date.now() },
      migration: null,
      migrationAttempts: [],
      bootSource: null,
      error: null,
      leftovers: [],
    };
    upsertSearchAttributes([{ key: vmNameKey, value: input.spec.name }]);
    this.setPhase('placing');
    this.installHandlers();
  }

  queued(position: number): void {
    this.status.queuePosition = position;
  }

  booting(host: string): void {
    Object.assign(this.status, { host, bootHost: host, queuePosition: null });
    this.status.timings.placedAt = Date.now();
    this.status.timings.bootStartedAt = Date.now();
    this.setPhase('booting');
  }

  migrating(target: string, attempt: number): void {
    this.status.settleHost = target;
    this.status.migration = { target, percent: 0, attempt };
    this.status.timings.migrateStartedAt ??= Date.now();
    this.setPhase('migrating');
  }

  migrationFailed(target: string, error: string): void {
    this.status.migrationAttempts.push({ host: target, error });
    this.status.settleHost = null;
    this.status.migration = null;
  }

  settled(host: string): void {
    Object.assign(this.status, { host, settleHost: host, migration: null });
    this.status.timings.settledAt = Date.now();
    this.setPhase('settled');
  }

  unsettled(reason: string): void {
    Object.assign(this.status, { settleHost: null, migration: null, error: reason });
    this.setPhase('unsettled');
  }

  failed(error: string): void {
    this.status.error = error;
    this.setPhase('failed');
  }

  finish(): void {
    this.done = true;
  }

  private setPhase(phase: VmPhase): void {
    this.status.phase = phase;
    upsertSearchAttributes([
      { key: vmPhaseKey, value: phase },
      { key: vmHostKey, value: this.status.host },
      { key: bootHostKey, value: this.status.bootHost },
      { key: settleHostKey, value: this.status.settleHost },
    ]);
  }

  private reached(phase: WaitablePhase): boolean {
    if (phase === 'booted') return this.status.timings.bootedAt !== undefined && RANK[this.status.phase] >= 1;
    return RANK[this.status.phase] >= RANK[phase];
  }

  private installHandlers(): void {
    setHandler(getStatusQuery, () => this.status);
    setHandler(bootSlotGrantedSignal, (grant) => {
      this.grant = grant;
    });
    setHandler(bootCompleteSignal, (event) => {
      // Only a VM that is booting can have finished booting; anything else is recorded in history and ignored.
      if (this.status.phase !== 'booting' || this.bootEvent) {
        log.info('boot-complete signal ignored', { phase: this.status.phase, source: event.source });
        return;
      }
      this.bootEvent = event;
      this.status.bootSource = event.source;
      this.status.timings.bootedAt = Date.now();
    });
    setHandler(migrationProgressSignal, (event) => {
      const current = this.status.migration;
      if (current && current.attempt === event.attempt && current.target === event.target) {
        current.percent = Math.max(current.percent, Math.min(100, event.percent));
      }
    });
    setHandler(
      waitForPhaseUpdate,
      async ({ phase }) => {
        await condition(() => this.reached(phase) || this.done || RANK[this.status.phase] < 0);
        if (this.reached(phase)) return this.status;
        throw ApplicationFailure.nonRetryable(
          `VM ${this.status.vmId} is ${this.status.phase} and will not reach ${phase}: ${this.status.error ?? 'provisioning ended'}`,
          Failure.PhaseUnreachable,
        );
      },
      {
        validator: ({ phase }) => {
          if (!WAITABLE.includes(phase)) throw new Error(`phase: must be one of ${WAITABLE.join(', ')}`);
        },
      },
    );
  }
}
