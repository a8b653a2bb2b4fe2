// The boot gateway under hostile input, on real HTTP and a real dev server: more than 10,000 generated requests
// (wrong tokens, other VMs' tokens, oversized and malformed bodies, unknown and finished VMs, junk paths) mixed with a
// few good ones. Every workflow must receive exactly the good signals meant for it, and the gateway must never
// answer 5xx. Then a flood from one source must be cut off with 429.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createBootSignaller } from '../../worker/workflow-port';
import { PHONE_HOME_PREFIX } from '../../worker/gateway/phone-home';
import { createGateway } from '../../worker/gateway/server';
import { createTokenSigner } from '../../worker/tokens';
import { Worker } from '@temporalio/worker';
import { signalCountQuery } from './gateway-harness';
import { startTemporalEnv, uniqueId, workflowBundle, type TemporalEnv } from '../helpers/temporal-env';

jest.setTimeout(600_000);

const REQUESTS = 10_000;
const signer = createTokenSigner('hostile-test-secret-'.repeat(3));
let env: TemporalEnv;

beforeAll(async () => {
  env = await startTemporalEnv();
});
afterAll(async () => env?.close());

interface Req {
  kind: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The VM this request legitimately signals, if it is a good one. */
  signals?: string;
}

function requests(running: string[], finished: string[], unknown: string[]): Req[] {
  const url = (id: string) => `${PHONE_HOME_PREFIX}${encodeURIComponent(id)}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const anyVm = fc.constantFrom(...running);
  const junkToken = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);
  const kinds: fc.Arbitrary<Req>[] = [
    fc.record({ id: anyVm, t: junkToken }).map(({ id, t }) => ({ kind: 'wrong token', path: `${url(id)}?token=${t}`, method: 'GET', headers: {} })),
    fc.tuple(anyVm, anyVm).filter(([a, b]) => a !== b).map(([a, b]) => ({
      kind: "another VM's token", path: url(a), method: 'POST', headers: form, body: `token=${signer.tokenFor(b)}&instance_id=${encodeURIComponent(a)}`,
    })),
    fc.record({ id: anyVm, n: fc.integer({ min: 17_000, max: 200_000 }) }).map(({ id, n }) => ({
      kind: 'oversized', path: url(id), method: 'POST', headers: form, body: `token=${signer.tokenFor(id)}&pad=${'x'.repeat(n)}`,
    })),
    fc.record({ id: anyVm, junk: fc.string({ maxLength: 200 }), type: fc.constantFrom('application/json', 'application/xml', 'text/plain', 'application/octet-stream') }).map(({ id, junk, type }) => ({
      kind: 'malformed body', path: url(id), method: 'POST', headers: { 'content-type': type }, body: `{${junk}`,
    })),
    fc.constantFrom(...unknown).map((id) => ({ kind: 'unknown VM', path: `${url(id)}?token=${signer.tokenFor(id)}`, method: 'GET', headers: {} })),
    fc.constantFrom(...finished).map((id) => ({ kind: 'finished VM', path: `${url(id)}?token=${signer.tokenFor(id)}`, method: 'GET', headers: {} })),
    fc.string({ maxLength: 300 }).map((junk) => ({ kind: 'junk path', path: `${PHONE_HOME_PREFIX}${encodeURIComponent(junk)}x?token=${encodeURIComponent(junk)}`, method: 'GET', headers: {} })),
    fc.record({ id: anyVm, extra: fc.stringMatching(/^[a-z]{1,8}$/) }).map(({ id, extra }) => ({
      kind: 'good', path: `${url(id)}?token=${signer.tokenFor(id)}&${extra}=1`, method: 'GET', headers: {}, signals: id,
    })),
  ];
  // Mostly hostile: the good kind is one in 40.
  const weighted = fc.oneof(...kinds.slice(0, -1).map((arbitrary) => ({ arbitrary, weight: 5 })), { arbitrary: kinds.at(-1)!, weight: 1 });
  return fc.sample(weighted, { numRuns: REQUESTS, seed: 20261124 });
}

async function listen(rateLimitPerMinute: number): Promise<{ app: FastifyInstance; base: string }> {
  const app = await createGateway({ signer, signalBoot: createBootSignaller(env.client), rateLimitPerMinute, logger: pino({ level: 'silent' }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

async function send(base: string, reqs: Req[], concurrency: number): Promise<Map<string, Map<number, number>>> {
  const byKind = new Map<string, Map<number, number>>();
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < reqs.length; i = next++) {
      const r = reqs[i]!;
      const res = await fetch(base + r.path, { method: r.method, headers: r.headers, ...(r.body !== undefined && { body: r.body }) });
      await res.arrayBuffer();
      const counts = byKind.get(r.kind) ?? new Map<number, number>();
      counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
      byKind.set(r.kind, counts);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return byKind;
}

test(`${REQUESTS} generated hostile requests: no wrong signal and no 5xx`, async () => {
  const taskQueue = uniqueId('gateway');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('./gateway-harness')) });
  await worker.runUntil(async () => {
    const run = uniqueId('run');
    const running = [0, 1, 2, 3, 4].map((i) => `vm/hostile/${run}/vm${i}`);
    const finished = [0, 1].map((i) => `vm/hostile/${run}/done${i}`);
    const unknown = [0, 1, 2].map((i) => `vm/hostile/${run}/ghost${i}`);
    await Promise.all(running.map((id) => env.client.workflow.start('provisionVm', { taskQueue, workflowId: id, args: [{}] })));
    await Promise.all(finished.map((id) => env.client.workflow.execute('provisionVm', { taskQueue, workflowId: id, args: [{ finish: true }] })));

    const reqs = requests(running, finished, unknown);
    const { app, base } = await listen(1_000_000_000);
    const started = Date.now();
    const byKind = await send(base, reqs, 32);
    const seconds = (Date.now() - started) / 1000;
    await app.close();

    const summary = Object.fromEntries([...byKind].map(([kind, counts]) => [kind, Object.fromEntries(counts)]));
    process.stdout.write(`gateway hostile run: ${reqs.length} requests in ${seconds.toFixed(1)} s: ${JSON.stringify(summary)}\n`);
    const statuses = [...byKind.values()].flatMap((counts) => [...counts.keys()]);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(byKind.get('wrong token')).toEqual(new Map([[403, expect.any(Number)]]));
    expect(byKind.get("another VM's token")).toEqual(new Map([[403, expect.any(Number)]]));
    expect(byKind.get('oversized')).toEqual(new Map([[413, expect.any(Number)]]));
    expect([...byKind.get('malformed body')!.keys()]).toEqual([400]);
    expect(byKind.get('unknown VM')).toEqual(new Map([[404, expect.any(Number)]]));
    expect(byKind.get('finished VM')).toEqual(new Map([[404, expect.any(Number)]]));
    expect([...byKind.get('good')!.keys()]).toEqual([204]);

    for (const id of [...running, ...finished]) {
      const expected = reqs.filter((r) => r.signals === id).length;
      expect(await env.client.workflow.getHandle(id).query(signalCountQuery)).toBe(expected);
    }
  });
});

test('a flood from one source is cut off with 429, still without 5xx or extra signals', async () => {
  const taskQueue = uniqueId('gateway');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('./gateway-harness')) });
  await worker.runUntil(async () => {
    const id = `vm/hostile/${uniqueId('flood')}/vm`;
    await env.client.workflow.start('provisionVm', { taskQueue, workflowId: id, args: [{}] });
    const { app, base } = await listen(50);
    const flood: Req[] = Array.from({ length: 1000 }, () => ({ kind: 'flood', path: `${PHONE_HOME_PREFIX}${encodeURIComponent(id)}?token=${signer.tokenFor(id)}`, method: 'GET', headers: {} }));
    const counts = (await send(base, flood, 32)).get('flood')!;
    await app.close();
    process.stdout.write(`gateway flood: ${JSON.stringify(Object.fromEntries(counts))}\n`);
    expect([...counts.keys()].sort()).toEqual([204, 429]);
    expect(counts.get(204)).toBe(50);
    expect(await env.client.workflow.getHandle(id).query(signalCountQuery)).toBe(50);
  });
});
