// The boot gateway's answers, request by request, with a recording reporter in place of Temporal: only a well-formed
// request with a genuine token for that VM reaches the reporter (with the run and nonce the token names), everything
// else gets the documented status, rate limits are per VM and per token validity (garbage per source), and slow
// senders are cut off.
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { BootReportOutcome } from '../../../activities/ports';
import { createGateway, type GatewayLimits } from '../../../worker/gateway/server';
import { PHONE_HOME_PREFIX, redactUrl } from '../../../worker/gateway/phone-home';
import { createTokenSigner } from '../../../worker/tokens';
import { waitFor } from '../../../devenv/wait';
import type { BootCompleteEvent } from '../../../workflows/types';

const signer = createTokenSigner('s'.repeat(40));
const vm = 'vm/proj/dev/web';
const other = 'vm/proj/dev/db';
const runId = '01a2280b-b305-7180-ac72-9771119fe846';
const nonce = '8d4f5a5e-1b7c-4f2e-9a55-3c2f0e6b9d11';
const tokenOf = (workflowId: string, claims = { runId, nonce }) => signer.tokenFor({ workflowId, ...claims });
const path = (id: string) => `${PHONE_HOME_PREFIX}${encodeURIComponent(id)}`;

let app: FastifyInstance;
let reports: Array<{ id: string; event: BootCompleteEvent; runId?: string }>;
let outcome: BootReportOutcome | Error;
let logs: string;
let answers: number[];

async function gateway(limits: Partial<GatewayLimits> = {}): Promise<FastifyInstance> {
  const sink = new Writable({ write: (chunk, _enc, done) => ((logs += String(chunk)), done()) });
  const instance = await createGateway({
    signer,
    limits: { genuinePerVm: 1000, badTokenPerVm: 1000, garbagePerSource: 1000, ...limits },
    logger: pino({ level: 'info' }, sink),
    onAnswer: (status) => answers.push(status),
    reportBoot: async (id, event, run) => {
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'accepted') reports.push({ id, event, ...(run && { runId: run }) });
      return outcome;
    },
  });
  await instance.listen({ host: '127.0.0.1', port: 0 });
  return instance;
}

const portOf = (target: FastifyInstance) => {
  const address = target.server.address();
  return typeof address === 'object' && address ? address.port : 0;
};

interface Call {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

/** Real HTTP on loopback (fastify's inject pulls in an ESM-only module that jest cannot load). */
async function call(target: FastifyInstance, req: Call): Promise<{ statusCode: number }> {
  const res = await fetch(`http://127.0.0.1:${portOf(target)}${req.url}`, {
    method: req.method,
    ...(req.headers && { headers: req.headers }),
    ...(req.payload !== undefined && { body: req.payload }),
  });
  await res.arrayBuffer();
  return { statusCode: res.status };
}

beforeEach(async () => {
  reports = [];
  outcome = 'accepted';
  logs = '';
  answers = [];
  app = await gateway();
});
afterEach(async () => app.close());

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

test('a cloud-init style post with a genuine token reports to the run and with the nonce the token names', async () => {
  const res = await call(app, { method: 'POST', url: `${path(vm)}?token=${tokenOf(vm)}`, ...form({ instance_id: vm, hostname: 'web' }) });
  expect(res.statusCode).toBe(204);
  expect(reports).toEqual([
    { id: vm, runId, event: { source: 'guest', nonce, detail: expect.objectContaining({ via: 'gateway', instanceId: vm, hostname: 'web' }) } },
  ]);
});

test('the token may come in the query, a form field or a header', async () => {
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(204);
  expect((await call(app, { method: 'POST', url: path(vm), headers: { 'x-bootshift-token': tokenOf(vm) } })).statusCode).toBe(204);
  expect((await call(app, { method: 'POST', url: path(vm), ...form({ token: tokenOf(vm) }) })).statusCode).toBe(204);
  expect(reports).toHaveLength(3);
});

test("a forged token, another VM's, or one whose run or nonce was changed is 403 and reports nothing", async () => {
  const genuine = tokenOf(vm);
  const flipped = (at: number) => genuine.slice(0, at) + (genuine[at] === 'A' ? 'B' : 'A') + genuine.slice(at + 1);
  for (const token of [flipped(85), tokenOf(other), flipped(3), flipped(25)]) {
    expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${token}` })).statusCode).toBe(403);
  }
  expect(reports).toEqual([]);
});

test('the workflow refusing the report (too early, too late, another boot) is 409; a missing or finished VM is 404', async () => {
  outcome = 'refused';
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(409);
  outcome = 'not_found';
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(404);
  outcome = 'closed';
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(404);
});

test.each([
  ['no token', () => path(vm)],
  ['a token of the wrong shape', () => `${path(vm)}?token=short`],
  ['two tokens', () => `${path(vm)}?token=${tokenOf(vm)}&token=${tokenOf(vm)}`],
  ['a workflow that is not a VM', () => `${path('fleet/lab')}?token=${tokenOf('fleet/lab')}`],
  ['an id with forbidden characters', () => `${path('vm/a b')}?token=${tokenOf('vm/a b')}`],
])('%s is 400 and reports nothing', async (_what, url) => {
  expect((await call(app, { method: 'GET', url: url() })).statusCode).toBe(400);
  expect(reports).toEqual([]);
});

test('an instance_id that is not the VM in the URL is 400', async () => {
  const res = await call(app, { method: 'POST', url: path(vm), ...form({ instance_id: other, token: tokenOf(vm) }) });
  expect(res.statusCode).toBe(400);
  expect(reports).toEqual([]);
});

test('malformed and unsupported bodies are 400, oversized ones 413', async () => {
  expect((await call(app, { method: 'POST', url: path(vm), headers: { 'content-type': 'application/json' }, payload: '{"token": ' })).statusCode).toBe(400);
  expect((await call(app, { method: 'POST', url: path(vm), headers: { 'content-type': 'application/xml' }, payload: '<a/>' })).statusCode).toBe(400);
  expect((await call(app, { method: 'POST', url: path(vm), ...form({ token: tokenOf(vm), pad: 'x'.repeat(20_000) }) })).statusCode).toBe(413);
  expect(reports).toEqual([]);
});

test('Temporal being unreachable is 503 (retry later)', async () => {
  outcome = new Error('connect ECONNREFUSED');
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(503);
});

test("a flood of bad tokens for one VM, and garbage from the same source, never cost another VM's genuine report", async () => {
  await app.close();
  app = await gateway({ genuinePerVm: 3, badTokenPerVm: 5, garbagePerSource: 5 });
  const bad = tokenOf(other);
  const flood = [];
  for (let i = 0; i < 20; i += 1) flood.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${bad}` })).statusCode);
  for (let i = 0; i < 20; i += 1) flood.push((await call(app, { method: 'GET', url: `${path(vm)}?token=junk` })).statusCode);
  for (let i = 0; i < 20; i += 1) flood.push((await call(app, { method: 'GET', url: `/no/such/path/${i}` })).statusCode);
  // The flood is cut off in its own buckets...
  expect(flood.slice(0, 5)).toEqual([403, 403, 403, 403, 403]);
  expect(new Set(flood.slice(5, 20))).toEqual(new Set([429]));
  expect(new Set(flood.slice(20))).toEqual(new Set([400, 404, 429]));
  expect(flood.at(-1)).toBe(429);
  // ...while both VMs' genuine reports still go through, from the very same source address.
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode).toBe(204);
  expect((await call(app, { method: 'GET', url: `${path(other)}?token=${tokenOf(other)}` })).statusCode).toBe(204);
  expect((await call(app, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  // A guest hammering with its genuine token is limited too, per VM.
  const genuine = [];
  for (let i = 0; i < 4; i += 1) genuine.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode);
  expect(genuine).toEqual([204, 204, 429, 429]);
  expect((await call(app, { method: 'GET', url: `${path(other)}?token=${tokenOf(other)}` })).statusCode).toBe(204);
});

test('a sender that never finishes its request is cut off at the deadline', async () => {
  await app.close();
  app = await gateway({ requestTimeoutMs: 500 });
  const socket = net.connect(portOf(app), '127.0.0.1');
  socket.on('data', () => undefined);
  socket.write(`POST ${path(vm)} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ntoken=`);
  const closed = await new Promise<boolean>((resolve) => {
    socket.once('close', () => resolve(true));
    // A failsafe far beyond the deadline: the assertion is that it closed at all.
    setTimeout(() => resolve(false), 30_000).unref();
  });
  expect(closed).toBe(true);
  expect(reports).toEqual([]);
});

test('every answer is told by status, the rate limiter\'s and the unknown paths\' too (the worker counts them)', async () => {
  await app.close();
  app = await gateway({ badTokenPerVm: 1 });
  const sent = [];
  sent.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(vm)}` })).statusCode);
  sent.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(other)}` })).statusCode);
  sent.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${tokenOf(other)}` })).statusCode);
  sent.push((await call(app, { method: 'GET', url: '/nowhere' })).statusCode);
  expect(sent).toEqual([204, 403, 429, 404]);
  // onResponse runs once the answer is out, so the client may see it first.
  await waitFor(() => answers.length === sent.length, { timeoutMs: 5_000, intervalMs: 10, what: 'every answer to be told' });
  expect([...answers].sort()).toEqual([...sent].sort());
});

test('tokens never reach the log, however the query spells their name', async () => {
  const token = tokenOf(vm);
  await call(app, { method: 'GET', url: `${path(vm)}?token=${token}` });
  await call(app, { method: 'GET', url: `${path(vm)}?tok%65n=${token}` });
  await call(app, { method: 'POST', url: path(vm), ...form({ token }) });
  expect(logs).toContain('phone-home');
  expect(logs).not.toContain(token);
  expect(redactUrl(`/v1/phone-home/x?a=1&TOK%45N=${token}`)).toBe('/v1/phone-home/x?a=1&TOKEN=%5Bredacted%5D');
});
