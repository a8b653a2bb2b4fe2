// The payload codec: what it seals, nobody without the key reads or alters unnoticed; keys rotate (old payloads still
// open once a new key is current); payloads it never sealed pass through; and its key file must be private.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { createEncryptionCodec, newKeyFile, parseCodecKeys, readCodecKeys } from '../../../worker/payload-codec';

const userData = { userData: '#cloud-config\nchpasswd: { list: "root:hunter2" }\n' };
const payload = (): Payload => defaultPayloadConverter.toPayload(userData)!;
const text = (p: Payload) => Buffer.concat([...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v!)), Buffer.from(p.data ?? [])]).toString('latin1');

test('sealed payloads hide their content, name their key, and open to the same keys', async () => {
  const codec = createEncryptionCodec(parseCodecKeys(newKeyFile('k1')));
  const [sealed] = await codec.encode([payload()]);
  expect(text(sealed!)).not.toContain('hunter2');
  expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
  const [opened] = await codec.decode([sealed!]);
  expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(userData);
});

test('each sealing is fresh (a new nonce), so equal payloads do not look equal', async () => {
  const codec = createEncryptionCodec(parseCodecKeys(newKeyFile('k1')));
  const [a, b] = await codec.encode([payload(), payload()]);
  expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
});

test('a payload altered in Temporal fails to open instead of opening to something else', async () => {
  const codec = createEncryptionCodec(parseCodecKeys(newKeyFile('k1')));
  const [sealed] = await codec.encode([payload()]);
  const data = Buffer.from(sealed!.data!);
  data[20] = data[20]! ^ 1;
  await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow(/unable to authenticate|auth/i);
});

test('keys rotate: after a new key is made current, old payloads still open and new ones use the new key', async () => {
  const first = parseCodecKeys(newKeyFile('k1'));
  const [old] = await createEncryptionCodec(first).encode([payload()]);
  const second = parseCodecKeys(newKeyFile('k2'));
  const rotated = { current: 'k2', keys: { ...first.keys, ...second.keys } };
  const codec = createEncryptionCodec(rotated);
  expect(defaultPayloadConverter.fromPayload((await codec.decode([old!]))[0]!)).toEqual(userData);
  const [fresh] = await codec.encode([payload()]);
  expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
  // Without the old key, the old payload cannot be read, and the error says which key is missing.
  await expect(createEncryptionCodec(second).decode([old!])).rejects.toThrow(/key "k1", which the key file does not hold/);
});

test('payloads never sealed (older histories, other clients) pass through', async () => {
  const codec = createEncryptionCodec(parseCodecKeys(newKeyFile('k1')));
  const plain = payload();
  expect(await codec.decode([plain])).toEqual([plain]);
});

test('the key file must be valid and private', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-keys-'));
  const file = path.join(dir, 'keys.json');
  writeFileSync(file, newKeyFile('k1'), { mode: 0o644 });
  expect(() => readCodecKeys(file)).toThrow(/readable by others \(mode 644\); make it 0600 or 0400/);
  chmodSync(file, 0o600);
  expect(readCodecKeys(file).current).toBe('k1');
  expect(() => parseCodecKeys('{"current":"k9","keys":{"k1":"AAAA"}}')).toThrow(/keys\.k1: must be 32 bytes, base64\n *current: must be one of the keys$/);
});
