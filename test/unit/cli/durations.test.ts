// Durations come from the workflow's timestamps only, and read the same wherever they are shown.
import fc from 'fast-check';
import { elapsedMs, formatMs, vmDurations } from '../../../cli/output';
import { T0, vmStatus } from './fixtures';

test('a settled VM has every duration; a booting one only its queue time', () => {
  expect(vmDurations(vmStatus('web', 'settled'))).toEqual({ queuedMs: 200, bootMs: 1200, migrateMs: 1100, totalMs: 2600 });
  expect(vmDurations(vmStatus('web', 'booting'))).toEqual({ queuedMs: 200, bootMs: null, migrateMs: null, totalMs: null });
  expect(vmDurations(vmStatus('web', 'migrating')).migrateMs).toBeNull();
});

test('elapsed time runs with the clock until the VM settles, then stops', () => {
  expect(elapsedMs(vmStatus('web', 'booting'), T0 + 5000)).toBe(5000);
  expect(elapsedMs(vmStatus('web', 'settled'), T0 + 99_000)).toBe(2600);
  expect(elapsedMs(vmStatus('web', 'placing'), T0 - 10)).toBe(0);
});

test.each([
  [null, '-'],
  [0, '0 ms'],
  [999, '999 ms'],
  [1000, '1.0 s'],
  [59_949, '59.9 s'],
  [60_000, '1m 00s'],
  [125_000, '2m 05s'],
  [3_600_000, '1h 00m'],
  [3_723_000, '1h 02m'],
])('formatMs(%p) is %p', (ms, text) => {
  expect(formatMs(ms)).toBe(text);
});

test('formatMs gives one short unit-bearing token for any duration up to a day', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 86_400_000 }), (ms) => {
      expect(formatMs(ms)).toMatch(/^(\d{1,3} ms|\d{1,2}\.\d s|\d{1,2}m \d\ds|\d{1,2}h \d\dm)$/);
    }),
  );
});
