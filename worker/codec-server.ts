// The codec endpoint the Temporal UI calls to show operators what sealed payloads hold (Temporal's codec-server
// protocol: POST /decode and /encode with `{ payloads: [...] }` in protobuf JSON, bytes as base64). It is a listener of
// its own, never the boot gateway's: guests must not reach it. It answers only the UI's origin (CORS) and, when a
// token is configured, only requests bearing it (the UI can forward the operator's access token).
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** The Temporal UI's origin (e.g. http://127.0.0.1:8233): the only one a browser may call from. */
  uiOrigin: string;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  authToken?: string;
  logger: FastifyBaseLogger;
}

const wirePayloads = z.strictObject({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.base64()).optional(), data: z.base64().optional() })).max(1000),
});

type WirePayload = z.output<typeof wirePayloads>['payloads'][number];

const fromWire = (p: WirePayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toWire = (p: Payload): WirePayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export async function createCodecServer(opts: CodecServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: opts.logger, bodyLimit: 4 * 1024 * 1024 });
  await app.register(cors, {
    origin: opts.uiOrigin,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    credentials: true,
  });
  const expected = opts.authToken ? Buffer.from(`Bearer ${opts.authToken}`) : undefined;
  app.addHook('onRequest', async (req, reply) => {
    if (!expected || req.method === 'OPTIONS') return;
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).send({ error: 'unauthorized' });
  });
  for (const op of ['encode', 'decode'] as const) {
    app.post(`/${op}`, async (req, reply) => {
      const parsed = wirePayloads.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: 'expected { payloads: [...] }' });
      const payloads = await opts.codec[op](parsed.data.payloads.map(fromWire));
      return { payloads: payloads.map(toWire) };
    });
  }
  return app;
}
