// P2 in Markdown: the storm's figures against the 60 s goal, the policy checks, the ceiling and the fraction, and
// the breakdown that says where the time went.
import type { BenchRecord } from '../bench-main';
import type { P2Result } from '../p2-storm/index';
import { load, runNote, seconds, table, yesNo } from './markdown';

const PARTS: [string, string][] = [
  ['WORKFLOW_TASK_COMPLETED', 'workflow tasks (3 events each)'],
  ['ACTIVITY_TASK_SCHEDULED', 'activities (3 each)'],
  ['WORKFLOW_EXECUTION_SIGNALED', 'signals'],
  ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'search-attribute upserts'],
  ['TIMER_STARTED', 'timers (started and cancelled)'],
];

function composition(types: Record<string, number>): string {
  return PARTS.map(([type, label]) => `${types[type] ?? 0} ${label}`).join(', ');
}

export function renderP2(record: BenchRecord<P2Result>): string[] {
  const { shape, tuning, storm, ceiling } = record.result;
  const b = storm.breakdown;
  const problems = [...storm.watch.violations, ...storm.finalProblems];
  return [
    '## P2 — boot storm (simulated hypervisor, real dev server, one in-process worker)',
    '',
    ...runNote(record),
    `- fleet: ${shape.bootHosts} boot hosts × ${shape.bootCpus} CPUs (${shape.bootHosts * shape.bootCpus} concurrent boots), ` +
      `${shape.settleHosts} settle hosts × ${shape.settleCpus} CPUs at ratio ${shape.cpuAllocationRatio}; ${shape.vms} VMs of 1 vCPU requested at once; ` +
      `simulated boot ${shape.bootMs} ms, migration ${shape.migrateMs} ms`,
    `- worker settings (both workers): maxConcurrentWorkflowTaskExecutions ${tuning.maxConcurrentWorkflowTaskExecutions}, ` +
      `maxCachedWorkflows ${tuning.maxCachedWorkflows}, maxConcurrentActivityTaskExecutions ${tuning.maxConcurrentActivityTaskExecutions}`,
    `- load average after the ceiling run ${load(record.result.load.afterCeiling)}, after the storm ${load(record.result.load.afterStorm)}`,
    '',
    ...table(
      ['figure', 'value'],
      [
        ['time to all settled (first start call → last result)', `**${storm.allSettledSeconds.toFixed(1)} s** (goal ≤ ${record.result.goalSeconds} s: ${yesNo(record.result.met)})`],
        ['VMs settled', `${storm.settled} / ${storm.vms}`],
        ['bootshift throughput', `${storm.vmsPerSecond} VMs/s`],
        ['request → settled, p50 / p95', `${seconds(storm.requestToSettledP50Ms)} s / ${seconds(storm.requestToSettledP95Ms)} s`],
        ['peak boot-queue length (ledger snapshot every 250 ms)', `${storm.watch.peakQueue} (peak boot slots held: ${storm.watch.peakBootReserved})`],
        ['policy violations (ledger snapshots, fleet during and at the end)', `${problems.length} in ${storm.watch.samples} samples + final check`],
        [`ceiling: ${ceiling.workflows} bare one-activity workflows at once`, `${ceiling.seconds.toFixed(1)} s, ${ceiling.perSecond} workflows/s`],
        ['bootshift fraction of the ceiling (VMs/s ÷ workflows/s)', `**${record.result.fraction.toFixed(2)}**`],
        ['server events/s (history events persisted): bootshift / ceiling', `${record.result.serverEventsPerSecond.bootshift} / ${record.result.serverEventsPerSecond.ceiling}`],
        ['history events per VM (provisionVm median + ledger share) / per bare workflow', `${b.eventsPerVm} + ${(b.ledgerEvents / storm.vms).toFixed(1)} / ${ceiling.eventsPerWorkflow}`],
      ],
    ),
    ...(problems.length > 0 ? ['', 'Violations:', '', ...problems.slice(0, 20).map((p) => `- ${p}`)] : []),
    '',
    `Where the time goes (sample of ${b.sampledVms} VMs, medians): waiting for a boot slot ${seconds(b.queuedP50Ms)} s; then each VM holds ` +
      `its slot ${seconds(b.holdP50Ms, 2)} s from grant to settled, so ${shape.bootHosts * shape.bootCpus} slots pass at most ` +
      `${((shape.bootHosts * shape.bootCpus * 1000) / b.holdP50Ms).toFixed(1)} VMs/s. The hold, step by step (ms):`,
    '',
    ...table(['step of the hold', 'ms'], b.holdSteps.map((s) => [s.step, s.ms]), ['l', 'r']),
    '',
    `The dev server is the limit. It persisted ${record.result.serverEventsPerSecond.bootshift} history events/s for bootshift ` +
      `against ${record.result.serverEventsPerSecond.ceiling}/s for the bare workflows, and a VM costs ` +
      `${((b.eventsPerVm + b.ledgerEvents / storm.vms) / ceiling.eventsPerWorkflow).toFixed(1)}× the events of a bare workflow ` +
      `(one VM's history: ${composition(b.eventTypesOfOne)}; plus its ledger updates), which is about the fraction above. ` +
      `Within the hold, the ledger updates wait longest: every VM's reservations go through the one ledger workflow, whose ` +
      'workflow tasks queue behind those of a thousand VM workflows on the same saturated server. Worker settings cannot buy ' +
      `more than the server gives (${tuning.maxConcurrentActivityTaskExecutions} activity slots here; an earlier run with 10 took ` +
      '92 s, its activities waiting for a slot instead of the ledger); fewer events per VM would.',
    '',
  ];
}
