// Saves a workflow history for the replay tests when RECORD_HISTORIES=1 (see README, "Recording replay histories"):
// the tests that run the real workflows are the recorders, so every recorded shape came from a real run.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const historiesDir = path.join(__dirname, '..', 'replay', 'histories');

/**
 * The payload keys the lab histories are recorded (and so sealed) with: a key for test histories only, committed so the
 * replay test can open them. Copied to a private file, since the worker refuses a key file others can read.
 */
export const HISTORIES_CODEC_KEYS = path.join(__dirname, '..', 'replay', 'histories-codec-keys.test-only.json');

export function historiesCodecKeyFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootshift-history-keys-'));
  const file = path.join(dir, 'keys.json');
  copyFileSync(HISTORIES_CODEC_KEYS, file);
  chmodSync(file, 0o600);
  return file;
}

export async function recordHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const { History } = temporal.api.history.v1;
  const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
}
