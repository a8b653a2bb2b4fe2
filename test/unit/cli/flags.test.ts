// Flag validation names the flag and the rule, so a script's author knows what to change.
import { z } from 'zod';
import { flagName, intFlag, parseFlags } from '../../../cli/options';

test('option keys are shown as the flags they came from; positional names as they are', () => {
  expect(flagName('json')).toBe('--json');
  expect(flagName('uiUrl')).toBe('--ui-url');
  expect(flagName('NAME')).toBe('NAME');
});

test('intFlag accepts integers in range only, with one message for every way to miss', () => {
  const schema = z.object({ boot: intFlag(1, 16) });
  expect(parseFlags(schema, { boot: '16' })).toEqual({ boot: 16 });
  for (const bad of ['0', '17', '-1', '1.5', 'two', '', '1e3']) {
    expect(() => parseFlags(schema, { boot: bad })).toThrow('--boot: must be an integer from 1 to 16');
  }
});

test('a rejected flag is a usage error (exit code 2) listing every problem', () => {
  const schema = z.object({ boot: intFlag(1, 2), settle: intFlag(0, 2) });
  expect(() => parseFlags(schema, { boot: '3', settle: 'x' })).toThrow(
    expect.objectContaining({ exitCode: 2, message: '--boot: must be an integer from 1 to 2\n--settle: must be an integer from 0 to 2' }),
  );
});
