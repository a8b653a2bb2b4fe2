// The boot gateway under hostile input, on real HTTP and a real dev server: more than 10,000 generated requests
// (wrong tokens, other VMs' tokens, tokens of another run or another boot, oversized and malformed bodies, unknown and
// finished VMs, junk paths) mixed with a few good ones. Every workflow must accept exactly the good reports meant for
// it, and the gateway must never answer 5xx. Then a hostile guest floods (bad tokens, slow bodies, junk) from the one
// address all guests share, and every other VM's genuine report must still get 204.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { createBootReporter } from '../../worker/workflow-port';
import { PHONE_HOME_PREFIX } from '../../worker/gateway/phone-home';
import { createGateway } from '../../worker/gateway/server';
import { createTokenSigner } from '../../worker/tokens';
import { Worker } from '@temporalio/worker';
import { reportCountQuery } from './gateway-harness';
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
  /** The VM this request legitimately reports for, if it is a good one. */
  reports?: string;
}

/** A VM stand-in: its workflow id, the run the gateway must reach, and the nonce its token was made for. */
interface Vm {
  id: string;
  runId: string;
  nonce: string;
}

const tokenOf = (vm: Vm) => signer.tokenFor({ workflowId: vm.id, runId: vm.runId, nonce: vm.nonce });

function requests(running: Vm[], finished: Vm[], unknown: Vm[]): Req[] {
  const url = (vm: Vm | string) => `${PHONE_HOME_PREFIX}${encodeURIComponent(typeof vm === 'string' ? vm : vm.id)}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const anyVm = fc.constantFrom(...running);
  const junkToken = fc.stringMatching(/^[A-Za-z0-9_-]{86}$/);
  const kinds: fc.Arbitrary<Req>[] = [
    fc.record({ id: anyVm, t: junkToken }).map(({ id, t }) => ({ kind: 'wrong token', path: `${url(id)}?token=${t}`, method: 'GET', headers: {} })),
    fc.tuple(anyVm, anyVm).filter(([a, b]) => a !== b).map(([a, b]) => ({
      kind: "another VM's token", path: url(a), method: 'POST', headers: form, body: `token=${tokenOf(b)}&instance_id=${encodeURIComponent(a.id)}`,
    })),
    // Genuine tokens (the gateway's MAC holds), but for a run that is not this VM's, or a boot it is not waiting for.
    anyVm.map((vm) => ({ kind: 'another run', path: `${url(vm)}?token=${tokenOf({ ...vm, runId: randomUUID() })}`, method: 'GET', headers: {} })),
    anyVm.map((vm) => ({ kind: 'another boot', path: `${url(vm)}?token=${tokenOf({ ...vm, nonce: randomUUID() })}`, method: 'GET', headers: {} })),
    fc.record({ id: anyVm, n: fc.integer({ min: 17_000, max: 200_000 }) }).map(({ id, n }) => ({
      kind: 'oversized', path: url(id), method: 'POST', headers: form, body: `token=${tokenOf(id)}&pad=${'x'.repeat(n)}`,
    })),
    fc.record({ id: anyVm, junk: fc.string({ maxLength: 200 }), type: fc.constantFrom('application/json', 'application/xml', 'text/plain', 'application/octet-stream') }).map(({ id, junk, type }) => ({
      kind: 'malformed body', path: url(id), method: 'POST', headers: { 'content-type': type }, body: `{${junk}`,
    })),
    fc.constantFrom(...unknown).map((vm) => ({ kind: 'unknown VM', path: `${url(vm)}?token=${tokenOf(vm)}`, method: 'GET', headers: {} })),
    fc.constantFrom(...finished).map((vm) => ({ kind: 'finished VM', path: `${url(vm)}?token=${tokenOf(vm)}`, method: 'GET', headers: {} })),
    fc.string({ maxLength: 300 }).map((junk) => ({ kind: 'junk path', path: `${PHONE_HOME_PREFIX}${encodeURIComponent(junk)}x?token=${encodeURIComponent(junk)}`, method: 'GET', headers: {} })),
    fc.record({ vm: anyVm, extra: fc.stringMatching(/^[a-z]{1,8}$/) }).map(({ vm, extra }) => ({
      kind: 'good', path: `${url(vm)}?token=${tokenOf(vm)}&${extra}=1`, method: 'GET', headers: {}, reports: vm.id,
    })),
  ];
  // Mostly hostile: the good kind is one in 40.
  const weighted = fc.oneof(...kinds.slice(0, -1).map((arbitrary) => ({ arbitrary, weight: 5 })), { arbitrary: kinds.at(-1)!, weight: 1 });
  return fc.sample(weighted, { numRuns: REQUESTS, seed: 20261124 });
}

async function listen(limits: Parameters<typeof createGateway>[0]['limits']): Promise<{ app: FastifyInstance; base: string }> {
  const app = await createGateway({ signer, reportBoot: createBootReporter(env.client), ...(limits && { limits }), logger: pino({ level: 'silent' }) });
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

/** Starts harness workflows for these ids, each with a nonce of its own; `finish` ones end at once. */
async function startVms(taskQueue: string, ids: string[], finish = false): Promise<Vm[]> {
  return Promise.all(
    ids.map(async (id) => {
      const nonce = randomUUID();
      const handle = await env.client.workflow.start('provisionVm', { taskQueue, workflowId: id, args: [{ nonce, finish }] });
      if (finish) await handle.result();
      return { id, runId: handle.firstExecutionRunId, nonce };
    }),
  );
}

test(`${REQUESTS} generated hostile requests: no wrong report and no 5xx`, async () => {
  const taskQueue = uniqueId('gateway');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('./gateway-harness')) });
  await worker.runUntil(async () => {
    const run = uniqueId('run');
    const running = await startVms(taskQueue, [0, 1, 2, 3, 4].map((i) => `vm/hostile/${run}/vm${i}`));
    const finished = await startVms(taskQueue, [0, 1].map((i) => `vm/hostile/${run}/done${i}`), true);
    const unknown = [0, 1, 2].map((i) => ({ id: `vm/hostile/${run}/ghost${i}`, runId: randomUUID(), nonce: randomUUID() }));

    const reqs = requests(running, finished, unknown);
    const { app, base } = await listen({ genuinePerVm: 1e9, badTokenPerVm: 1e9, garbagePerSource: 1e9 });
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
    expect(byKind.get('another run')).toEqual(new Map([[404, expect.any(Number)]]));
    expect(byKind.get('another boot')).toEqual(new Map([[409, expect.any(Number)]]));
    expect(byKind.get('oversized')).toEqual(new Map([[413, expect.any(Number)]]));
    expect([...byKind.get('malformed body')!.keys()]).toEqual([400]);
    expect(byKind.get('unknown VM')).toEqual(new Map([[404, expect.any(Number)]]));
    expect(byKind.get('finished VM')).toEqual(new Map([[404, expect.any(Number)]]));
    expect([...byKind.get('good')!.keys()]).toEqual([204]);

    for (const vm of [...running, ...finished]) {
      const expected = reqs.filter((r) => r.reports === vm.id).length;
      expect(await env.client.workflow.getHandle(vm.id).query(reportCountQuery)).toBe(expected);
    }
  });
});

/** A token of the right shape whose MAC is wrong (one character of it changed). */
function forged(vm: Vm): string {
  const token = tokenOf(vm);
  return `${token.slice(0, 60)}${token[60] === 'A' ? 'B' : 'A'}${token.slice(61)}`;
}

/** Bodies that never finish: connections a hostile guest opens and leaves hanging. */
function slowBodies(base: string, n: number): net.Socket[] {
  const { port } = new URL(base);
  return Array.from({ length: n }, () => {
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`POST ${PHONE_HOME_PREFIX}vm%2Fx HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntoken=`);
    return socket;
  });
}

test("a hostile guest's flood of bad tokens, slow bodies and junk never costs another VM its genuine report", async () => {
  const taskQueue = uniqueId('gateway');
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('./gateway-harness')) });
  await worker.runUntil(async () => {
    const run = uniqueId('flood');
    const victims = await startVms(taskQueue, Array.from({ length: 20 }, (_, i) => `vm/hostile/${run}/victim${i}`));
    const [target] = await startVms(taskQueue, [`vm/hostile/${run}/target`]);
    // The worker's defaults: the flood comes from the address every guest shares.
    const { app, base } = await listen({});
    const hanging = slowBodies(base, 50);
    const flood: Req[] = Array.from({ length: 3000 }, (_, i) => {
      if (i % 3 === 0) return { kind: 'bad token', path: `${PHONE_HOME_PREFIX}${encodeURIComponent(target!.id)}?token=${forged(target!)}`, method: 'GET', headers: {} };
      if (i % 3 === 1) return { kind: 'junk', path: `/wp-admin/${i}`, method: 'GET', headers: {} };
      return { kind: 'malformed', path: `${PHONE_HOME_PREFIX}x?token=y`, method: 'GET', headers: {} };
    });
    const flooding = send(base, flood, 16);
    const genuine: Req[] = victims.map((vm) => ({ kind: 'genuine', path: `${PHONE_HOME_PREFIX}${encodeURIComponent(vm.id)}?token=${tokenOf(vm)}`, method: 'GET', headers: {}, reports: vm.id }));
    const answered = (await send(base, genuine, 4)).get('genuine')!;
    const flooded = await flooding;
    hanging.forEach((socket) => socket.destroy());
    await app.close();
    process.stdout.write(`gateway flood: genuine ${JSON.stringify(Object.fromEntries(answered))}, flood ${JSON.stringify(Object.fromEntries([...flooded].map(([k, v]) => [k, Object.fromEntries(v)])))}\n`);
    expect(answered).toEqual(new Map([[204, victims.length]]));
    // The flood was cut off in its own buckets.
    expect([...flooded.get('bad token')!.keys()].sort()).toEqual([403, 429]);
    expect(flooded.get('junk')!.get(429)).toBeGreaterThan(0);
    for (const vm of victims) expect(await env.client.workflow.getHandle(vm.id).query(reportCountQuery)).toBe(1);
  });
});
