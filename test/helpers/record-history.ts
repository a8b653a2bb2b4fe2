// Saves a workflow history for the replay tests when RECORD_HISTORIES=1 (see README, "Recording replay histories"):
// the tests that run the real workflows are the recorders, so every recorded shape came from a real run.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const historiesDir = path.join(__dirname, '..', 'replay', 'histories');

export async function recordHistory(name: string, handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const { History } = temporal.api.history.v1;
  const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(path.join(historiesDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
}
