// The progress view: a bar per VM that only moves forward along the flow, and for logs one line per phase change.
import { describePhase, migrationProgress, PhaseChangeLog, progressFraction, progressFrame, progressLine } from '../../../cli/vm/views';
import type { VmPhase } from '../../../workflows/types';
import { T0, vmStatus } from './fixtures';

test('the bar moves forward through placing, booting, migrating (with its percent) and settled', () => {
  const fractions = [
    vmStatus('web', 'placing'),
    vmStatus('web', 'booting'),
    vmStatus('web', 'migrating', { migration: { target: 'settle-1', percent: 0, attempt: 1 } }),
    vmStatus('web', 'migrating', { migration: { target: 'settle-1', percent: 90, attempt: 1 } }),
    vmStatus('web', 'settled'),
  ].map(progressFraction);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  expect(new Set(fractions).size).toBe(fractions.length);
  expect(fractions.at(-1)).toBe(1);
});

test("a TTY line shows name, bar, elapsed time, phase and, while migrating, the migration's own bar and percent", () => {
  const line = progressLine(vmStatus('web', 'migrating', { migration: { target: 'settle-1', percent: 37.5, attempt: 1 } }), T0 + 3000, 5);
  expect(line).toBe('web    [##############------]     3.0 s  migrating boot-1 -> settle-1 [####------] 38%');
});

test('a migration that copies the disk shows it, and the rate of the whole job', () => {
  const migration = { target: 'settle-1', percent: 63, attempt: 1, diskProcessedMiB: 35.2, diskTotalMiB: 71, dataProcessedMiB: 236, elapsedMs: 2000 };
  expect(migrationProgress(migration)).toBe('[######----] 63%, disk 35/71 MiB, 118 MiB/s');
  expect(migrationProgress({ target: 'settle-1', percent: 0, attempt: 1 })).toBe('[----------] 0%');
  expect(migrationProgress({ target: 'settle-1', percent: 100, attempt: 1 })).toBe('[##########] 100%');
});

test('a frame has one line per VM, names aligned, each with its own clock', () => {
  const frame = progressFrame([vmStatus('a', 'booting'), vmStatus('longer', 'settled')], () => T0 + 10_000);
  expect(frame.split('\n')).toEqual([
    'a       [#####---------------]    10.0 s  booting on boot-1',
    'longer  [####################]     2.6 s  settled on settle-1 (boot 1.2 s, migration 1.1 s)',
  ]);
});

test.each<[VmPhase, string]>([
  ['placing', 'placing'],
  ['booting', 'booting on boot-1'],
  ['migrating', 'migrating boot-1 -> settle-1 [####------] 40%'],
  ['settled', 'settled on settle-1 (boot 1.2 s, migration 1.1 s)'],
  ['unsettled', 'unsettled, kept on boot host boot-1: no settle host fits'],
  ['failed', 'failed: no boot host for VM: fleet is empty'],
  ['decommissioned', 'decommissioned'],
])('phase %s reads "%s"', (phase, text) => {
  expect(describePhase(vmStatus('web', phase))).toBe(text);
});

test('a queued VM says where it stands in the boot queue', () => {
  expect(describePhase(vmStatus('web', 'placing', { queuePosition: 3 }))).toBe('placing (queued, position 3)');
});

test('for logs, a scripted sequence of polls prints one line per phase change (and per quarter of a migration), nothing for repeats', () => {
  const log = new PhaseChangeLog();
  const polls = [
    { at: 100, statuses: [vmStatus('a', 'placing'), vmStatus('b', 'placing', { queuePosition: 1 })] },
    { at: 300, statuses: [vmStatus('a', 'booting'), vmStatus('b', 'placing', { queuePosition: 1 })] },
    { at: 800, statuses: [vmStatus('a', 'booting'), vmStatus('b', 'placing', { queuePosition: 1 })] },
    { at: 1600, statuses: [vmStatus('a', 'migrating'), vmStatus('b', 'booting')] },
    { at: 1900, statuses: [vmStatus('a', 'migrating', { migration: { target: 'settle-1', percent: 80, attempt: 1 } }), vmStatus('b', 'booting')] },
    { at: 2700, statuses: [vmStatus('a', 'settled'), vmStatus('b', 'failed')] },
  ];
  const lines = polls.flatMap(({ at, statuses }) => log.lines(statuses, T0 + at));
  expect(lines).toEqual([
    '  100 ms  a  placing',
    '  100 ms  b  placing (queued, position 1)',
    '  300 ms  a  booting on boot-1',
    '   1.6 s  a  migrating boot-1 -> settle-1 [####------] 40%',
    '   1.6 s  b  booting on boot-1',
    '   1.9 s  a  migrating boot-1 -> settle-1 [########--] 80%',
    '   2.7 s  a  settled on settle-1 (boot 1.2 s, migration 1.1 s)',
    '   2.7 s  b  failed: no boot host for VM: fleet is empty',
  ]);
});

test('log lines are in time order on one clock, though the VMs were requested at different times', () => {
  const log = new PhaseChangeLog();
  const late = (phase: VmPhase) => {
    const s = vmStatus('late', phase);
    const shift = (t: number | undefined) => (t === undefined ? undefined : t + 5000);
    return { ...s, timings: Object.fromEntries(Object.entries(s.timings).map(([k, v]) => [k, shift(v)])) as typeof s.timings };
  };
  const polls = [
    { at: 1000, statuses: [vmStatus('early', 'booting')] },
    { at: 5500, statuses: [vmStatus('early', 'migrating'), late('booting')] },
    // The late VM settles 7.6 s after the first request, 2.6 s after its own: both views would have printed 2.6 s here.
    { at: 7700, statuses: [vmStatus('early', 'settled'), late('settled')] },
  ];
  const stamps = polls.flatMap(({ at, statuses }) => log.lines(statuses, T0 + at)).map((line) => line.trim().split('  ')[0]);
  expect(stamps).toEqual(['1.0 s', '5.5 s', '5.5 s', '7.7 s', '7.7 s']);
});
