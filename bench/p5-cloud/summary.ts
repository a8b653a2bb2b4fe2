// P5's figures from its runs: each cloud VM's boot and migration as bootshift's workflow saw it (the result, the
// history, libvirt's job-completed event), medians per boot signal, and the plain virsh migrations next to them.
import type { LoadGate } from '../load-gate';
import { median, round } from '../stats';
import type { CloudRun } from './cloud-run';
import type { JobFigures, PlainMigrationRun } from './plain-migration';

export interface VmFigures {
  name: string;
  bootSignal: CloudRun['bootSignal'];
  /** the first VM of the run: the base image is uploaded to the boot host (defineAndStartVm) and to the settle host (migrateVm) */
  firstUse: boolean;
  load1: number;
  /** workflow started → bootComplete signal (history) */
  requestToBootCompleteMs: number;
  /** ProvisionVmResult.bootMs: the workflow putting the domain on the boot host → the boot-complete signal */
  bootMs: number;
  checkVmMs: number;
  reserveBootSlotMs: number;
  /** defineAndStartVm run: pool, base (uploaded on first use), the VM's disk, the seed built and uploaded, define, start */
  defineStartMs: number;
  /** defineAndStartVm completed → boot-complete taken by the workflow: the guest's boot and the report's way in (gateway or agent watcher) */
  guestBootMs: number;
  detachSeedMs: number;
  /** migrateVm run: the target prepared (base on first use, a fresh empty disk), the migration, the source's disk deleted */
  migrateActivityMs: number;
  /** ProvisionVmResult.migrateMs: the libvirt migration alone */
  migrateMs: number | null;
  /** ProvisionVmResult.migrateDiskMiB: the disk bytes the migration copied, from polling domjobinfo during the job */
  migrateDiskMiB: number | null;
  /** libvirt's job-completed event for the migration, on the boot host */
  job: JobFigures | null;
  /** the VM's disk file on the settle host right after the move (the data that landed), MiB */
  targetFileMiB: number | null;
  /** client: start → result (settled) */
  totalMs: number;
  /** the guest's uptime (s, from its kernel's start) when cloud-init finished, from its console */
  cloudInitFinishedUptimeS: number | null;
  /** libvirt's agent-lifecycle event (the guest agent connected its channel), after the domain started (defineAndStartVm completed) */
  agentConnectedMs: number | null;
  /** the awaitGuestAgent activity's result (from its start): agentReadyMs as the product reports it, and cloud-init done */
  agentReadyMs: number | null;
  cloudInitDoneMs: number | null;
  /** defineAndStartVm completed → awaitGuestAgent started */
  agentStartLagMs: number | null;
}

export interface SignalSummary {
  vms: number;
  requestToBootCompleteMedianMs: number;
  bootMedianMs: number;
  guestBootMedianMs: number;
  cloudInitFinishedUptimeMedianS: number | null;
  /** defineAndStartVm of the VMs that found the base cached */
  defineStartLaterMedianMs: number | null;
  agentConnectedMedianMs: number | null;
  agentReadyMedianMs: number | null;
  cloudInitDoneMedianMs: number | null;
}

export interface P5Result {
  vmsPerSignal: number;
  gate: LoadGate;
  /** the shorter waits before each later VM (at most 3 minutes each): how many, how long in all, how many in vain */
  vmGates: { waits: number; waitedSeconds: number; notQuiet: number };
  lab: { boot: number; settle: number; hostCpus: number; guest: string };
  image: { file: string; volume: string; fileMiB: number; virtualGiB: number };
  vms: VmFigures[];
  phoneHome: SignalSummary;
  guestAgent: SignalSummary;
  /** the base's first-use costs, from the first VM */
  firstUse: { defineStartMs: number; migrateActivityMs: number; checkVmMs: number } | null;
  migration: {
    bootshift: {
      vms: number;
      migrateMedianMs: number;
      migrateDiskMedianMiB: number;
      jobTimeMedianMs: number;
      jobDiskMedianMiB: number;
      jobMemoryMedianMiB: number;
      targetFileMedianMiB: number;
    };
    plain: PlainMigrationRun[];
  };
}

const med = (values: (number | null | undefined)[], digits = 0): number => {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length > 0 ? round(median(known), digits) : Number.NaN;
};

export interface Observed {
  job: JobFigures | null;
  targetFileMiB: number | null;
  /** epoch ms of the agent-lifecycle "connected" event, if any */
  agentConnectedAt: number | null;
  cloudInitFinishedUptimeS: number | null;
}

export function vmFigures(run: CloudRun, firstUse: boolean, seen: Observed): VmFigures {
  const { steps, result } = run;
  return {
    name: run.name,
    bootSignal: run.bootSignal,
    firstUse,
    load1: run.load1,
    requestToBootCompleteMs: run.requestToBootCompleteMs,
    bootMs: result.bootMs,
    checkVmMs: steps.activityRunMs.checkVm ?? Number.NaN,
    reserveBootSlotMs: steps.activityRunMs.reserveBootSlot ?? Number.NaN,
    defineStartMs: steps.activityRunMs.defineAndStartVm ?? Number.NaN,
    guestBootMs: run.guestBootMs,
    detachSeedMs: steps.activityRunMs.detachSeed ?? Number.NaN,
    migrateActivityMs: steps.activityRunMs.migrateVm ?? Number.NaN,
    migrateMs: result.migrateMs,
    migrateDiskMiB: result.migrateDiskMiB === null ? null : round(result.migrateDiskMiB, 1),
    job: seen.job,
    targetFileMiB: seen.targetFileMiB,
    totalMs: round(run.totalMs),
    cloudInitFinishedUptimeS: seen.cloudInitFinishedUptimeS,
    agentConnectedMs: seen.agentConnectedAt === null ? null : seen.agentConnectedAt - run.domainStartedAt,
    agentReadyMs: run.agent?.agentReadyMs ?? null,
    cloudInitDoneMs: run.agent?.cloudInitDoneMs ?? null,
    agentStartLagMs: run.agentStartLagMs,
  };
}

function bySignal(vms: VmFigures[]): SignalSummary {
  const agent = vms.some((v) => v.agentReadyMs !== null);
  return {
    vms: vms.length,
    requestToBootCompleteMedianMs: med(vms.map((v) => v.requestToBootCompleteMs)),
    bootMedianMs: med(vms.map((v) => v.bootMs)),
    guestBootMedianMs: med(vms.map((v) => v.guestBootMs)),
    cloudInitFinishedUptimeMedianS: vms.some((v) => v.cloudInitFinishedUptimeS !== null) ? med(vms.map((v) => v.cloudInitFinishedUptimeS), 1) : null,
    defineStartLaterMedianMs: vms.some((v) => !v.firstUse) ? med(vms.filter((v) => !v.firstUse).map((v) => v.defineStartMs)) : null,
    agentConnectedMedianMs: agent ? med(vms.map((v) => v.agentConnectedMs)) : null,
    agentReadyMedianMs: agent ? med(vms.map((v) => v.agentReadyMs)) : null,
    cloudInitDoneMedianMs: agent ? med(vms.map((v) => v.cloudInitDoneMs)) : null,
  };
}

export function summarize(base: Omit<P5Result, 'phoneHome' | 'guestAgent' | 'firstUse' | 'migration'>, plain: PlainMigrationRun[]): P5Result {
  const { vms } = base;
  const first = vms.find((v) => v.firstUse);
  return {
    ...base,
    phoneHome: bySignal(vms.filter((v) => v.bootSignal === 'phone-home')),
    guestAgent: bySignal(vms.filter((v) => v.bootSignal === 'guest-agent')),
    firstUse: first ? { defineStartMs: first.defineStartMs, migrateActivityMs: first.migrateActivityMs, checkVmMs: first.checkVmMs } : null,
    migration: {
      bootshift: {
        vms: vms.length,
        migrateMedianMs: med(vms.map((v) => v.migrateMs)),
        migrateDiskMedianMiB: med(vms.map((v) => v.migrateDiskMiB), 1),
        jobTimeMedianMs: med(vms.map((v) => v.job?.timeElapsedMs)),
        jobDiskMedianMiB: med(vms.map((v) => v.job?.diskProcessedMiB), 1),
        jobMemoryMedianMiB: med(vms.map((v) => v.job?.memoryProcessedMiB), 1),
        targetFileMedianMiB: med(vms.map((v) => v.targetFileMiB), 1),
      },
      plain,
    },
  };
}
