// A Pulumi program's payload keys come from the same file the worker reads, checked the same way: a key file others
// can read, or one that is not a key file, stops the program before any key travels to the provider.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectionSettings } from '../../../pulumi/connection';
import { newKeyFile, parseCodecKeys } from '../../../worker/payload-codec';

const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-pulumi-keys-'));
const saved = process.env.BOOTSHIFT_CODEC_KEY_FILE;
afterEach(() => {
  if (saved === undefined) delete process.env.BOOTSHIFT_CODEC_KEY_FILE;
  else process.env.BOOTSHIFT_CODEC_KEY_FILE = saved;
});

test('a key file readable by others is refused, naming the variable', () => {
  const file = path.join(dir, 'open.json');
  writeFileSync(file, newKeyFile('k1'), { mode: 0o644 });
  process.env.BOOTSHIFT_CODEC_KEY_FILE = file;
  expect(() => connectionSettings()).toThrow(/invalid BOOTSHIFT_CODEC_KEY_FILE:\n *\S*open\.json is readable by others \(mode 644\); make it 0600 or 0400/);
});

test('a private file that is not a key file is refused without quoting it', () => {
  const file = path.join(dir, 'broken.json');
  writeFileSync(file, '{"current": "k1", "keys": {"k1": "c2VjcmV0LWtleS1tYXRlcmlhbA==', { mode: 0o600 });
  process.env.BOOTSHIFT_CODEC_KEY_FILE = file;
  expect(() => connectionSettings()).toThrow(/invalid BOOTSHIFT_CODEC_KEY_FILE:\n *must be JSON: it does not parse$/);
  expect(() => connectionSettings()).not.toThrow(/c2VjcmV0/);
  // Stack config's keys are checked by the same parser.
  expect(() => parseCodecKeys('{"keys": {"k1": "c2VjcmV0LWtleS1tYXRlcmlhbA=="', 'bootshift:codecKeys')).toThrow(/^invalid bootshift:codecKeys:\n *must be JSON: it does not parse$/);
});
