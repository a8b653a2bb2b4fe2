// Every recorded history (test/replay/histories, recorded from real runs; see README) must replay against today's
// workflow code without nondeterminism, and a deliberately changed workflow must be caught.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { parseCodecKeys } from '../../worker/payload-codec';
import { dataConverterFor } from '../../worker/temporal-connection';
import { HISTORIES_CODEC_KEYS, historiesDir } from '../helpers/record-history';
import { installQuietRuntime } from '../helpers/quiet-runtime';
import { workflowBundle } from '../helpers/temporal-env';

jest.setTimeout(300_000);

const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort();
const load = (file: string) =>
  temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')) as object);

beforeAll(() => installQuietRuntime());

test('histories of every workflow shape are recorded', () => {
  const shapes = ['lab-provision-queued', 'lab-provision-placed', 'lab-decommission',
    'sim-provision-boot-timeout', 'sim-provision-failover', 'sim-provision-unsettled', 'sim-provision-cancelled', 'sim-reclaim-leaked'];
  // One history per shape, no more: identical shapes only make the replay run longer.
  expect(files).toEqual(shapes.map((s) => `${s}.json`).sort());
});

// The lab histories come from a dev environment, whose worker seals payloads: replaying them needs the same keys.
const dataConverter = dataConverterFor({ codecKeys: parseCodecKeys(readFileSync(HISTORIES_CODEC_KEYS, 'utf8')) });

test.each(files)('%s replays against the current workflow code', async (file) => {
  const bundle = await workflowBundle(require.resolve('../../workflows'));
  await expect(Worker.runReplayHistory({ workflowBundle: bundle, dataConverter }, load(file))).resolves.toBeUndefined();
});

test.each(files.filter((f) => f.includes('provision')))('%s is reported as nondeterministic against a changed provisionVm', async (file) => {
  const bundle = await workflowBundle(require.resolve('./changed-workflows'));
  await expect(Worker.runReplayHistory({ workflowBundle: bundle, dataConverter }, load(file))).rejects.toBeInstanceOf(DeterminismViolationError);
});
