// Payload encryption: every payload bootshift sends to Temporal (workflow inputs and results, activity arguments,
// update arguments) is sealed with AES-256-GCM before it leaves the process, so user-data with its passwords and keys,
// and anything else a VM spec carries, never lies in clear in Temporal's history or database. Keys live in a file the
// worker, the Pulumi provider and the CLI read (`{ "current": "k2", "keys": { "k1": "<base64>", "k2": "<base64>" } }`);
// each sealed payload names its key, so keys rotate by adding one and making it current while old histories still
// open. It plugs into the SDK's own PayloadCodec, and the worker serves Temporal's codec-server protocol with it so
// the Temporal UI can show operators the decoded payloads.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readOwnerOnlyFile, SecretFileProblem } from './secret-file';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { ValidationError, formatIssues } from '../domain';

/** The encoding a sealed payload carries (what a reader without the keys sees it as). */
export const ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const keyFileSchema = z
  .strictObject({
    current: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be a key id (1-64 characters of A-Z, a-z, 0-9, "._-")' }),
    keys: z.record(
      z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'key ids are 1-64 characters of A-Z, a-z, 0-9, "._-"' }),
      z.string().refine((b64) => Buffer.from(b64, 'base64').length === 32, { error: 'must be 32 bytes, base64' }),
    ),
  })
  .refine((file) => Object.hasOwn(file.keys, file.current), { error: 'must be one of the keys', path: ['current'] });

export type CodecKeys = z.output<typeof keyFileSchema>;

/** A new key file's content, with one random key (`bootshift dev up` makes one; operators make theirs). */
export function newKeyFile(id = `k${Date.now().toString(36)}`): string {
  return `${JSON.stringify({ current: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2)}\n`;
}

/** Reads and checks a key file; it must be readable by its owner only (anyone who reads it reads every payload). */
export function readCodecKeys(file: string, label = 'codec key file'): CodecKeys {
  let text: string;
  try {
    text = readOwnerOnlyFile(file);
  } catch (err) {
    if (err instanceof SecretFileProblem) throw new ValidationError(`invalid ${label}`, [err.message]);
    throw err;
  }
  return parseCodecKeys(text, label);
}

export function parseCodecKeys(text: string, label = 'codec key file'): CodecKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, and the text is key material.
    throw new ValidationError(`invalid ${label}`, ['must be JSON: it does not parse']);
  }
  const parsed = keyFileSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(`invalid ${label}`, formatIssues(parsed.error.issues));
  return parsed.data;
}

const { Payload: PayloadProto } = temporal.api.common.v1;

export function createEncryptionCodec(keys: CodecKeys): PayloadCodec {
  const keyOf = (id: string): Buffer => {
    const b64 = Object.hasOwn(keys.keys, id) ? keys.keys[id] : undefined;
    if (b64 === undefined) throw new Error(`payload sealed with key "${id}", which the key file does not hold`);
    return Buffer.from(b64, 'base64');
  };
  const current = { id: keys.current, key: keyOf(keys.current) };
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const plain = PayloadProto.encode(payload).finish();
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', current.key, iv);
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return { metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from(current.id) }, data: sealed };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        // Payloads that were never sealed (recorded before encryption, or by another client) pass through.
        if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
        const id = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
        const sealed = Buffer.from(payload.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', keyOf(id), sealed.subarray(0, IV_BYTES));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
        return PayloadProto.decode(plain) as Payload;
      });
    },
  };
}
