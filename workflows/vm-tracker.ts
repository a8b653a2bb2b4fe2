// What a provisionVm workflow knows about its VM, and the one place that changes it: the workflow's steps and its
// message handlers (registered in provision-vm.ts) call the methods below; nothing else writes the status. Every phase
// change also upserts the search attributes, so the Temporal UI can list VMs by phase and host (e.g.
// `VmPhase = "migrating"`), and every change of what the VM is doing (phase, queue position, boot-complete, migration
// progress) rewrites the workflow's current details, the line the UI shows on the workflow's page. Both come from the
// workflow's own state only, so they replay the same.
import { ApplicationFailure, condition, log, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { Failure, type VmSpec } from '../domain';
import { bootHostKey, settleHostKey, vmHostKey, vmNameKey, vmPhaseKey } from './messages';
import type { BootCompleteEvent, MigrationProgressEvent, VmPhase, VmStatus, WaitablePhase } from './types';

const WAITABLE: readonly string[] = ['booting', 'booted', 'migrating', 'settled'];
const RANK: Record<VmPhase, number> = { placing: 0, booting: 1, migrating: 3, settled: 4, unsettled: 4, failed: -1, decommissioned: -1 };

export class VmTracker {
  private readonly current: VmStatus;
  private grantReceived: { reservationId: string; host: string } | undefined;
  private bootEvent: BootCompleteEvent | undefined;
  /** Set once the domain is defined: before that, no boot-complete can be genuine. */
  private bootNonce: string | undefined;
  private done = false;
  private readonly spec: VmSpec;

  constructor(input: { vmId: string; spec: VmSpec }, domainName: string) {
    this.spec = input.spec;
    this.current = {
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
  }

  /** What the getStatus query answers; read-only for everyone but this class. */
  get status(): Readonly<VmStatus> {
    return this.current;
  }

  /** The ledger's grant of a boot slot, once the queued request was admitted. */
  get grant(): Readonly<{ reservationId: string; host: string }> | undefined {
    return this.grantReceived;
  }

  /** How the boot was said to be complete; undefined until it was. */
  get booted(): Readonly<BootCompleteEvent> | undefined {
    return this.bootEvent;
  }

  queued(position: number): void {
    this.current.queuePosition = position;
    this.explain();
  }

  booting(host: string): void {
    Object.assign(this.current, { host, bootHost: host, queuePosition: null });
    this.current.timings.placedAt = Date.now();
    this.current.timings.bootStartedAt = Date.now();
    this.setPhase('booting');
  }

  migrating(target: string, attempt: number): void {
    this.current.settleHost = target;
    this.current.migration = { target, percent: 0, attempt };
    this.current.timings.migrateStartedAt ??= Date.now();
    this.setPhase('migrating');
  }

  migrationFailed(target: string, error: string): void {
    this.current.migrationAttempts.push({ host: target, error });
    this.current.settleHost = null;
    this.current.migration = null;
    this.explain();
  }

  settled(host: string): void {
    Object.assign(this.current, { host, settleHost: host, migration: null });
    this.current.timings.settledAt = Date.now();
    this.setPhase('settled');
  }

  unsettled(reason: string): void {
    Object.assign(this.current, { settleHost: null, migration: null, error: reason });
    this.setPhase('unsettled');
  }

  failed(error: string): void {
    this.current.error = error;
    this.setPhase('failed');
  }

  /** Clean-up steps that failed after a failure: what may have been left behind. */
  leftBehind(steps: string[]): void {
    this.current.leftovers = steps;
    this.explain();
  }

  finish(): void {
    this.done = true;
  }

  private setPhase(phase: VmPhase): void {
    this.current.phase = phase;
    upsertSearchAttributes([
      { key: vmPhaseKey, value: phase },
      { key: vmHostKey, value: this.current.host },
      { key: bootHostKey, value: this.current.bootHost },
      { key: settleHostKey, value: this.current.settleHost },
    ]);
    this.explain();
  }

  private explain(): void {
    setCurrentDetails(currentDetails(this.current, this.spec));
  }

  private reached(phase: WaitablePhase): boolean {
    if (phase === 'booted') return this.current.timings.bootedAt !== undefined && RANK[this.current.phase] >= 1;
    return RANK[this.current.phase] >= RANK[phase];
  }

  /** The domain is defined and started: from now on, one boot-complete with this nonce (or from a trusted sender). */
  awaitBoot(nonce: string): void {
    this.bootNonce = nonce;
  }

  // Message handlers (provision-vm.ts registers them).

  slotGranted(grant: { reservationId: string; host: string }): void {
    this.grantReceived = grant;
  }

  /** The update's validator: throws, and so refuses without a trace in history, anything but the one awaited report. */
  checkBootComplete(event: BootCompleteEvent): void {
    // Already booted first: once it is, the phase moves on (migrating, settled) and would hide the reason.
    if (this.bootEvent) throw new Error(`VM ${this.current.name} has already reported boot complete (from ${this.bootEvent.source})`);
    if (this.current.phase !== 'booting' || this.bootNonce === undefined) {
      throw new Error(`VM ${this.current.name} is not waiting for its boot to complete (phase ${this.current.phase})`);
    }
    // Reports through the gateway carry the nonce their token was made for; the worker's own and operators' do not.
    if (event.source === 'guest' && event.nonce !== undefined && event.nonce !== this.bootNonce) {
      throw new Error(`the token is not for this boot of VM ${this.current.name}`);
    }
  }

  bootComplete(event: BootCompleteEvent): { bootedAt: number } {
    this.checkBootComplete(event);
    const { nonce: _nonce, ...kept } = event;
    this.bootEvent = kept;
    this.current.bootSource = event.source;
    this.current.timings.bootedAt = Date.now();
    this.explain();
    log.info('boot complete', { source: event.source });
    return { bootedAt: this.current.timings.bootedAt };
  }

  migrationProgress(event: MigrationProgressEvent): void {
    const migration = this.current.migration;
    if (migration && migration.attempt === event.attempt && migration.target === event.target) {
      migration.percent = Math.max(migration.percent, Math.min(100, event.percent));
      if (event.diskTotalMiB !== undefined) Object.assign(migration, { diskProcessedMiB: event.diskProcessedMiB, diskTotalMiB: event.diskTotalMiB });
      if (event.dataProcessedMiB !== undefined) Object.assign(migration, { dataProcessedMiB: event.dataProcessedMiB, elapsedMs: event.elapsedMs });
      this.explain();
    }
  }

  /** Completes when the VM reaches `phase` (or a later one); fails if provisioning ends first. */
  async waitFor(phase: WaitablePhase): Promise<VmStatus> {
    await condition(() => this.reached(phase) || this.done || RANK[this.current.phase] < 0);
    if (this.reached(phase)) return this.current;
    throw ApplicationFailure.nonRetryable(
      `VM ${this.current.vmId} is ${this.current.phase} and will not reach ${phase}: ${this.current.error ?? 'provisioning ended'}`,
      Failure.PhaseUnreachable,
    );
  }

  static checkWaitable({ phase }: { phase: string }): void {
    if (!WAITABLE.includes(phase)) throw new Error(`phase: must be one of ${WAITABLE.join(', ')}`);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');
const BOOT_SOURCES: Record<BootCompleteEvent['source'], string> = {
  guest: "the guest's phone-home",
  'guest-agent': 'the guest agent',
  manual: 'an operator',
};

/** The UI's line for what the VM is doing now (markdown). Exported for its unit test. */
export function currentDetails(s: Readonly<VmStatus>, spec: VmSpec): string {
  const { timings: t, migration } = s;
  const tried = s.migrationAttempts.map((a) => a.host);
  switch (s.phase) {
    case 'placing':
      return s.queuePosition !== null
        ? `queued: position ${s.queuePosition} in fleet ${spec.fleet}'s boot queue (no undersubscribed host has room)`
        : `placing: looking for an undersubscribed boot host in fleet ${spec.fleet}`;
    case 'booting': {
      if (t.bootedAt === undefined) {
        const awaiting = spec.bootSignal === 'guest-agent' ? 'the guest agent to report cloud-init done' : "the guest's phone-home";
        return `booting on ${s.bootHost} (waiting for ${awaiting}, up to ${spec.bootTimeoutSeconds} s)`;
      }
      const from = BOOT_SOURCES[s.bootSource!];
      return `booted on ${s.bootHost} in ${seconds(t.bootedAt - t.bootStartedAt!)} (boot-complete from ${from}); looking for a settle host`;
    }
    case 'migrating': {
      if (!migration) {
        const last = s.migrationAttempts[s.migrationAttempts.length - 1];
        return `running on ${s.bootHost}: migration to ${last?.host} failed (${oneLine(last?.error ?? '')}); looking for another settle host`;
      }
      const { dataProcessedMiB: moved, elapsedMs, diskProcessedMiB, diskTotalMiB } = migration;
      const rate = moved !== undefined && elapsedMs ? moved / (elapsedMs / 1000) : undefined;
      return [
        `migrating ${s.bootHost} → ${migration.target}, ${Math.floor(migration.percent)}%`,
        ...(rate !== undefined ? [`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} MiB/s`] : []),
        ...(diskTotalMiB !== undefined ? [`disk ${Math.round(diskProcessedMiB ?? 0)} / ${Math.round(diskTotalMiB)} MiB`] : []),
      ].join(', ') + (tried.length > 0 ? ` (failed before on ${tried.join(', ')})` : '');
    }
    case 'settled': {
      const [boot, move] = [t.bootedAt! - t.bootStartedAt!, t.settledAt! - t.migrateStartedAt!];
      return `settled on ${s.settleHost} after ${seconds(boot)} boot, ${seconds(move)} migration`;
    }
    case 'unsettled':
      return `unsettled: kept running on boot host ${s.bootHost}: ${oneLine(s.error ?? '')}`;
    case 'failed':
      return `failed: ${oneLine(s.error ?? '')}` + (s.leftovers.length > 0 ? `; left behind: ${s.leftovers.join('; ')}` : '');
    case 'decommissioned':
      return 'decommissioned';
  }
}
