// P2 in Markdown: the storm on the PostgreSQL ledger next to the storm as it ran on the fleetLedger workflow (its
// record kept in bench/results, see BEFORE_RECORD), then this run's figures against the 60 s goal, the policy checks,
// the ceiling and the fraction, and the breakdown that says where the time went.
import { existsSync, readFileSync } from 'node:fs';
import { recordFile, type BenchRecord } from '../bench-main';
import type { P2Result } from '../p2-storm/index';
import { settingsNote } from '../postgres-settings';
import { load, runNote, seconds, table, yesNo } from './markdown';

/** The storm's record from before the ledger moved to PostgreSQL, kept as it was committed. */
export const BEFORE_RECORD = 'p2-storm-workflow-ledger';

/** What the report reads of the record from before: the storm as it ran on the fleetLedger workflow. */
export interface BeforeResult {
  storm: Pick<P2Result['storm'], 'vms' | 'allSettledSeconds' | 'vmsPerSecond' | 'requestToSettledP50Ms' | 'requestToSettledP95Ms'> & {
    breakdown: Pick<P2Result['storm']['breakdown'], 'eventsPerVm' | 'eventTypesOfOne' | 'queuedP50Ms' | 'holdP50Ms'> & { ledgerEvents: number; ledgerRuns: number };
  };
  ceiling: P2Result['ceiling'];
  fraction: number;
  serverEventsPerSecond: P2Result['serverEventsPerSecond'];
}

export function readBefore(): BenchRecord<BeforeResult> | undefined {
  const file = recordFile(BEFORE_RECORD);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchRecord<BeforeResult>) : undefined;
}

const PARTS: [string, string][] = [
  ['WORKFLOW_TASK_COMPLETED', 'workflow tasks (3 events each)'],
  ['ACTIVITY_TASK_SCHEDULED', 'activities (3 each)'],
  ['MARKER_RECORDED', 'local activities (1 each)'],
  ['WORKFLOW_EXECUTION_SIGNALED', 'signals'],
  ['WORKFLOW_EXECUTION_UPDATE_ACCEPTED', 'updates (2 each)'],
  ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', 'search-attribute upserts'],
  ['TIMER_STARTED', 'timers'],
];

function composition(types: Record<string, number>): string {
  return PARTS.filter(([type]) => (types[type] ?? 0) > 0)
    .map(([type, label]) => `${label}: ${types[type]}`)
    .join(', ');
}

/** Events per VM: the median provisionVm history, and the other workflows' events shared out over the VMs. */
function eventsPerVm(before: BeforeResult | undefined, after: P2Result): { before?: [number, number]; after: [number, number] } {
  const others = Object.entries(after.storm.breakdown.workflows).filter(([type]) => type !== 'provisionVm');
  const afterShare = others.reduce((sum, [, w]) => sum + w.events, 0) / after.storm.vms;
  return {
    ...(before && { before: [before.storm.breakdown.eventsPerVm, before.storm.breakdown.ledgerEvents / before.storm.vms] }),
    after: [after.storm.breakdown.eventsPerVm, afterShare],
  };
}

const date = (record: BenchRecord<unknown>) => record.startedAt.slice(0, 10);

function beforeAfter(before: BenchRecord<BeforeResult>, record: BenchRecord<P2Result>): string[] {
  const b = before.result;
  const a = record.result;
  const events = eventsPerVm(b, a);
  const [bVm, bLedger] = events.before!;
  const [aVm, aOthers] = events.after;
  const others = Object.entries(a.storm.breakdown.workflows).filter(([type]) => type !== 'provisionVm');
  return [
    `The same storm before and after the ledger moved to PostgreSQL. Before: the record of ${date(before)} ` +
      `(\`bench/results/${BEFORE_RECORD}.json\`), every reservation an update on the one \`fleetLedger\` workflow. After: this run, ` +
      'every reservation a local activity of the VM\'s own workflow, a short PostgreSQL transaction.',
    '',
    ...table(
      ['figure', `before: fleetLedger workflow (${date(before)})`, `after: PostgreSQL (${date(record)})`],
      [
        ['time to all settled (first start call → last result)', `**${b.storm.allSettledSeconds.toFixed(1)} s**`, `**${a.storm.allSettledSeconds.toFixed(1)} s**`],
        ['bootshift throughput', `${b.storm.vmsPerSecond} VMs/s`, `${a.storm.vmsPerSecond} VMs/s`],
        [
          'request → settled, p50 / p95 (before: the results\' totalMs, from each workflow\'s first task; after: from the first start call to each result)',
          `${seconds(b.storm.requestToSettledP50Ms)} s / ${seconds(b.storm.requestToSettledP95Ms)} s`,
          `${seconds(a.storm.requestToSettledP50Ms)} s / ${seconds(a.storm.requestToSettledP95Ms)} s`,
        ],
        ['the workflow\'s first task → its boot slot / holding the slot, grant → settled (medians of the sample)', `${seconds(b.storm.breakdown.queuedP50Ms)} s / ${seconds(b.storm.breakdown.holdP50Ms, 2)} s`, `${seconds(a.storm.breakdown.queuedP50Ms)} s / ${seconds(a.storm.breakdown.holdP50Ms, 2)} s`],
        [
          '**history events per VM**: provisionVm (median) + other workflows\' events per VM',
          `**${(bVm + bLedger).toFixed(1)}** = ${bVm} + ${bLedger.toFixed(1)} (the ledger workflow: ${b.storm.breakdown.ledgerRuns} runs, ${b.storm.breakdown.ledgerEvents} events)`,
          `**${(aVm + aOthers).toFixed(1)}** = ${aVm} + ${aOthers.toFixed(1)} (${others.length === 0 ? 'no other workflow ran' : others.map(([type, w]) => `${type}: ${w.runs} runs, ${w.events} events`).join('; ')})`,
        ],
        ['one VM\'s history', composition(b.storm.breakdown.eventTypesOfOne), composition(a.storm.breakdown.eventTypesOfOne)],
        ['server events/s (history events persisted)', String(b.serverEventsPerSecond.bootshift), String(a.serverEventsPerSecond.bootshift)],
        ['ceiling in the same run: bare one-activity workflows/s', String(b.ceiling.perSecond), String(a.ceiling.perSecond)],
        ['fraction of the ceiling (VMs/s ÷ workflows/s)', b.fraction.toFixed(2), a.fraction.toFixed(2)],
        ['load average (1 / 5 / 15 min) before → after the run', `${load(before.loadBefore)} → ${load(before.loadAfter)}`, `${load(record.loadBefore)} → ${load(record.loadAfter)}`],
      ],
    ),
    '',
    'Both records come from one run each on a shared machine (read them with their load), and from the provisionVm of their day: ' +
      'compare one VM\'s history above, so not every difference is the ledger\'s. The ceiling, run on the same server just before each ' +
      'storm, is the yardstick that travels between the two: the fraction.',
    '',
  ];
}

export function renderP2(record: BenchRecord<P2Result>): string[] {
  const { shape, tuning, storm, ceiling } = record.result;
  const b = storm.breakdown;
  const problems = [...storm.watch.violations, ...storm.finalProblems];
  const before = readBefore();
  const [vmEvents, otherEvents] = eventsPerVm(before?.result, record.result).after;
  const largest = [...b.holdSteps].sort((x, y) => y.ms - x.ms)[0];
  return [
    '## P2 — boot storm (simulated hypervisor, real dev server, one in-process worker, PostgreSQL ledger)',
    '',
    ...runNote(record),
    `- fleet: ${shape.bootHosts} boot hosts × ${shape.bootCpus} CPUs (${shape.bootHosts * shape.bootCpus} concurrent boots), ` +
      `${shape.settleHosts} settle hosts × ${shape.settleCpus} CPUs at ratio ${shape.cpuAllocationRatio}; ${shape.vms} VMs of 1 vCPU requested at once; ` +
      `simulated boot ${shape.bootMs} ms, migration ${shape.migrateMs} ms`,
    `- worker settings (both workers): maxConcurrentWorkflowTaskExecutions ${tuning.maxConcurrentWorkflowTaskExecutions}, ` +
      `maxCachedWorkflows ${tuning.maxCachedWorkflows}, maxConcurrentActivityTaskExecutions ${tuning.maxConcurrentActivityTaskExecutions}`,
    `- ledger: ${settingsNote(record.result.ledgerSettings)} (a test cluster; the dev server keeps its own state in memory)`,
    `- load average after the ceiling run ${load(record.result.load.afterCeiling)}, after the storm ${load(record.result.load.afterStorm)}`,
    '',
    ...(before ? beforeAfter(before, record) : [`(No record from before: \`bench/results/${BEFORE_RECORD}.json\` is missing.)`, '']),
    'This run in detail:',
    '',
    ...table(
      ['figure', 'value'],
      [
        ['time to all settled (first start call → last result)', `**${storm.allSettledSeconds.toFixed(1)} s** (goal ≤ ${record.result.goalSeconds} s: ${yesNo(record.result.met)})`],
        ['VMs settled', `${storm.settled} / ${storm.vms}`],
        ['peak boot-queue length (ledger snapshot every 250 ms)', `${storm.watch.peakQueue} (peak boot slots held: ${storm.watch.peakBootReserved})`],
        ['policy violations (ledger snapshots, fleet during and at the end)', `${problems.length} in ${storm.watch.samples} samples + final check`],
        ['boot reports refused and sent again (see the hold below)', `${storm.refusedBootReports} for ${storm.vms} VMs`],
        [`ceiling: ${ceiling.workflows} bare one-activity workflows at once`, `${ceiling.seconds.toFixed(1)} s, ${ceiling.perSecond} workflows/s, ${ceiling.eventsPerWorkflow} events each`],
        ['bootshift fraction of the ceiling (VMs/s ÷ workflows/s)', `**${record.result.fraction.toFixed(2)}**`],
        ['server events/s (history events persisted): bootshift / ceiling', `${record.result.serverEventsPerSecond.bootshift} / ${record.result.serverEventsPerSecond.ceiling}`],
        ['history events per VM / per bare workflow', `${(vmEvents + otherEvents).toFixed(1)} / ${ceiling.eventsPerWorkflow}`],
      ],
    ),
    ...(problems.length > 0 ? ['', 'Violations:', '', ...problems.slice(0, 20).map((p) => `- ${p}`)] : []),
    '',
    `Where the time goes (sample of ${b.sampledVms} VMs, medians): a VM's workflow ran its first task ${seconds(b.firstTaskP50Ms)} s after ` +
      `it started (the storm's backlog of workflow tasks); from that task to its boot slot ${seconds(b.queuedP50Ms)} s, of which the ` +
      `worker's check of the spec (checkVm, queued + run) ${seconds(b.checkVmP50Ms)} s; then each VM holds ` +
      `its slot ${seconds(b.holdP50Ms, 2)} s from grant to settled, so ${shape.bootHosts * shape.bootCpus} slots pass at most ` +
      `${((shape.bootHosts * shape.bootCpus * 1000) / b.holdP50Ms).toFixed(1)} VMs/s. The hold, step by step (ms; the workflow-task ` +
      'steps run from the task being scheduled to its completion, the ledger transaction inside):',
    '',
    ...table(['step of the hold', 'ms'], b.holdSteps.map((s) => [s.step, s.ms]), ['l', 'r']),
    '',
    `At ${storm.vmsPerSecond} VMs/s, about ${Math.round((storm.vmsPerSecond * b.holdP50Ms) / 1000)} of the ${shape.bootHosts * shape.bootCpus} ` +
      `slots were held on average (VMs/s × the median hold) and the ledger's queue peaked at ${storm.watch.peakQueue}: at times slots ` +
      'stood free while VMs still waited for their first workflow task. The longest step of the hold: ' +
      `${largest ? `${largest.step} (${largest.ms} ms)` : '—'}. A boot report that reaches the workflow before ` +
      'it has taken in that the domain is defined is refused, and the simulated guest sends it again a second later, as the real ' +
      `guests do (${storm.refusedBootReports} times in this run). The server persisted ${record.result.serverEventsPerSecond.bootshift} ` +
      `history events/s for bootshift and ${record.result.serverEventsPerSecond.ceiling}/s for the bare workflows; a VM costs ` +
      `${((vmEvents + otherEvents) / ceiling.eventsPerWorkflow).toFixed(1)}× the events of a bare workflow.`,
    '',
  ];
}
