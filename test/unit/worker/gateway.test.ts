// The boot gateway's answers, request by request, with a recording signaller in place of Temporal: only a
// well-formed request with the right VM's token reaches the signaller, and everything else gets the documented status.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { SignalOutcome } from '../../../activities/ports';
import { createGateway } from '../../../worker/gateway/server';
import { PHONE_HOME_PREFIX } from '../../../worker/gateway/phone-home';
import { createTokenSigner } from '../../../worker/tokens';
import type { BootCompleteEvent } from '../../../workflows/types';

const signer = createTokenSigner('s'.repeat(40));
const vm = 'vm/proj/dev/web';
const other = 'vm/proj/dev/db';
const path = (id: string) => `${PHONE_HOME_PREFIX}${encodeURIComponent(id)}`;

let app: FastifyInstance;
let signals: Array<{ id: string; event: BootCompleteEvent }>;
let outcome: SignalOutcome | Error;
let logs: string;

async function gateway(rateLimitPerMinute = 1000): Promise<FastifyInstance> {
  const sink = new Writable({ write: (chunk, _enc, done) => ((logs += String(chunk)), done()) });
  const instance = await createGateway({
    signer,
    rateLimitPerMinute,
    logger: pino({ level: 'info' }, sink),
    signalBoot: async (id, event) => {
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'delivered') signals.push({ id, event });
      return outcome;
    },
  });
  await instance.listen({ host: '127.0.0.1', port: 0 });
  return instance;
}

interface Call {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

/** Real HTTP on loopback (fastify's inject pulls in an ESM-only module that jest cannot load). */
async function call(target: FastifyInstance, req: Call): Promise<{ statusCode: number }> {
  const address = target.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const res = await fetch(`http://127.0.0.1:${port}${req.url}`, {
    method: req.method,
    ...(req.headers && { headers: req.headers }),
    ...(req.payload !== undefined && { body: req.payload }),
  });
  await res.arrayBuffer();
  return { statusCode: res.status };
}

beforeEach(async () => {
  signals = [];
  outcome = 'delivered';
  logs = '';
  app = await gateway();
});
afterEach(async () => app.close());

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

test('a cloud-init style form post with the right token signals the VM once, with provenance', async () => {
  const res = await call(app, { method: 'POST', url: path(vm), ...form({ instance_id: vm, hostname: 'web', token: signer.tokenFor(vm) }) });
  expect(res.statusCode).toBe(204);
  expect(signals).toEqual([{ id: vm, event: { source: 'guest', detail: expect.objectContaining({ via: 'gateway', instanceId: vm, hostname: 'web' }) } }]);
});

test('a plain GET with the token in the query, or a POST with it in a header, works for minimal guests', async () => {
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(vm)}` })).statusCode).toBe(204);
  const res = await call(app, { method: 'POST', url: path(vm), headers: { 'x-bootshift-token': signer.tokenFor(vm) } });
  expect(res.statusCode).toBe(204);
  expect(signals).toHaveLength(2);
});

test('a wrong token, or another VM\'s token, is 403 and signals nothing', async () => {
  const wrong = signer.tokenFor(vm).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${wrong}` })).statusCode).toBe(403);
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(other)}` })).statusCode).toBe(403);
  expect(signals).toEqual([]);
});

test.each([
  ['no token', () => path(vm)],
  ['a token of the wrong shape', () => `${path(vm)}?token=short`],
  ['two tokens', () => `${path(vm)}?token=${signer.tokenFor(vm)}&token=${signer.tokenFor(vm)}`],
  ['a workflow that is not a VM', () => `${path('fleet/lab')}?token=${signer.tokenFor('fleet/lab')}`],
  ['an id with forbidden characters', () => `${path('vm/a b')}?token=${signer.tokenFor('vm/a b')}`],
])('%s is 400 and signals nothing', async (_what, url) => {
  const res = await call(app, { method: 'GET', url: url() });
  expect(res.statusCode).toBe(400);
  expect(signals).toEqual([]);
});

test('an instance_id that is not the VM in the URL is 400', async () => {
  const res = await call(app, { method: 'POST', url: path(vm), ...form({ instance_id: other, token: signer.tokenFor(vm) }) });
  expect(res.statusCode).toBe(400);
  expect(signals).toEqual([]);
});

test('malformed and unsupported bodies are 400, oversized ones 413', async () => {
  const json = await call(app, { method: 'POST', url: path(vm), headers: { 'content-type': 'application/json' }, payload: '{"token": ' });
  expect(json.statusCode).toBe(400);
  const xml = await call(app, { method: 'POST', url: path(vm), headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
  expect(xml.statusCode).toBe(400);
  const big = await call(app, { method: 'POST', url: path(vm), ...form({ token: signer.tokenFor(vm), pad: 'x'.repeat(20_000) }) });
  expect(big.statusCode).toBe(413);
  expect(signals).toEqual([]);
});

test('an unknown or finished VM is 404', async () => {
  outcome = 'not_found';
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(vm)}` })).statusCode).toBe(404);
  outcome = 'closed';
  expect((await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(vm)}` })).statusCode).toBe(404);
});

test('Temporal being unreachable is 503 (retry later), never a signal', async () => {
  outcome = new Error('connect ECONNREFUSED');
  const res = await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(vm)}` });
  expect(res.statusCode).toBe(503);
});

test('a source over its rate limit gets 429', async () => {
  await app.close();
  app = await gateway(5);
  const codes: number[] = [];
  for (let i = 0; i < 8; i += 1) codes.push((await call(app, { method: 'GET', url: `${path(vm)}?token=${signer.tokenFor(vm)}` })).statusCode);
  expect(codes.slice(0, 5)).toEqual([204, 204, 204, 204, 204]);
  expect(codes.slice(5)).toEqual([429, 429, 429]);
});

test('tokens never reach the log', async () => {
  const token = signer.tokenFor(vm);
  await call(app, { method: 'GET', url: `${path(vm)}?token=${token}` });
  await call(app, { method: 'POST', url: path(vm), ...form({ token }) });
  expect(logs).toContain('phone-home');
  expect(logs).not.toContain(token);
});
