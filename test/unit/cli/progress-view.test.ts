// The progress view: a bar per VM that only moves forward along the flow, and for logs one line per phase change.
import { describePhase, PhaseChangeLog, progressFraction, progressFrame, progressLine } from '../../../cli/vm/views';
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

test('a TTY line shows name, bar, elapsed time, phase and, while migrating, the percent', () => {
  const line = progressLine(vmStatus('web', 'migrating', { migration: { target: 'settle-1', percent: 37.5, attempt: 1 } }), T0 + 3000, 5);
  expect(line).toBe('web    [##############------]     3.0 s  migrating boot-1 -> settle-1 38%');
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
  ['migrating', 'migrating boot-1 -> settle-1'],
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

test('for logs, a scripted sequence of polls prints one line per phase change and nothing for repeats', () => {
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
    '   1.6 s  a  migrating boot-1 -> settle-1',
    '   1.6 s  b  booting on boot-1',
    '   2.6 s  a  settled on settle-1 (boot 1.2 s, migration 1.1 s)',
    '   2.7 s  b  failed: no boot host for VM: fleet is empty',
  ]);
});
