// The boot gateway: the HTTP endpoint guests phone home to when their boot is complete (cloud-init `phone_home`
// posts, or a plain GET/POST from minimal guests), turned into the bootComplete update of the VM's workflow run. Guests
// and the network they sit on are untrusted, and behind user-mode networking or any NAT they all share one source
// address, so nothing one guest does may cost another its phone-home:
// - rate limits are per VM (the workflow id in the path) and per token validity: a flood of bad tokens for a VM fills
//   that VM's "bad" bucket only, never the bucket its genuine reports use;
// - only unauthenticated garbage (malformed requests, unknown paths) is limited per source address;
// - every request has a deadline for its headers and its body, so slow senders cannot hold connections.
// Checks run cheapest and safest first (shape, size, token, rate) so that no bad request ever reaches Temporal.
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatIssues } from '../../domain';
import type { WorkflowPort } from '../../activities/ports';
import type { TokenSigner } from '../tokens';
import { PHONE_HOME_PREFIX, readPhoneHome, redactUrl, type PhoneHome } from './phone-home';

export interface GatewayLimits {
  /** Genuine reports per VM per minute: a guest retrying, never more. */
  genuinePerVm: number;
  /** Requests with a bad token, per VM per minute. */
  badTokenPerVm: number;
  /** Malformed requests and unknown paths, per source address per minute. */
  garbagePerSource: number;
  /** Deadline for a whole request (headers and body) to arrive. */
  requestTimeoutMs: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = { genuinePerVm: 30, badTokenPerVm: 60, garbagePerSource: 600, requestTimeoutMs: 10_000 };

export interface GatewayOptions {
  signer: TokenSigner;
  reportBoot: WorkflowPort['reportBootComplete'];
  limits?: Partial<GatewayLimits>;
  logger: FastifyBaseLogger;
  bodyLimitBytes?: number;
  /** Told the status of every answer (the worker counts them in its metrics). */
  onAnswer?: (status: number) => void;
}

/** What the rate-limit hook learnt of a request, so the handler does not parse or verify twice. */
interface Judged {
  request?: PhoneHome;
  claims?: { runId: string; nonce: string };
  issues?: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    bootshift?: Judged;
  }
}

function judge(req: FastifyRequest, signer: TokenSigner): Judged {
  if (req.bootshift) return req.bootshift;
  const body = typeof req.body === 'object' ? (req.body as Record<string, unknown> | null) : undefined;
  const parsed = readPhoneHome(req.params as Record<string, unknown>, req.query as Record<string, unknown>, body, req.headers['x-bootshift-token']);
  const judged: Judged = parsed.success ? { request: parsed.data } : { issues: formatIssues(parsed.error.issues) };
  if (judged.request) {
    const claims = signer.verify(judged.request.vm, judged.request.token);
    if (claims) judged.claims = claims;
  }
  req.bootshift = judged;
  return judged;
}

export async function createGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_GATEWAY_LIMITS, ...opts.limits };
  const app = Fastify({
    loggerInstance: opts.logger,
    // Fastify's own request lines would log the URL with its token; onResponse below logs a redacted line instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes ?? 16 * 1024,
    // Slow senders: the whole request within the deadline, and idle connections closed soon after.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    // Workflow ids are percent-encoded path segments; keep the router from splitting or normalising them.
    routerOptions: { maxParamLength: 512 },
  });
  // Node's own header deadline, so a request that never finishes its headers is cut too.
  app.server.headersTimeout = limits.requestTimeoutMs;
  await app.register(rateLimit, { global: false });
  await app.register(formbody, { bodyLimit: opts.bodyLimitBytes ?? 16 * 1024 });
  // Guests send forms, JSON or nothing; any other body is malformed rather than "unsupported".
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(badRequest('unsupported body type')));
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 503;
    if (status === 503) req.log.error({ err: err.message, url: redactUrl(req.url) }, 'phone-home failed');
    void reply.code(status).send({ error: status === 503 ? 'temporarily unavailable, retry' : err.message });
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: redactUrl(req.url), status: reply.statusCode, from: req.ip }, 'phone-home');
    opts.onAnswer?.(reply.statusCode);
  });

  // After the body is parsed (cloud-init sends the token in the query, minimal guests in the body or a header), each
  // request is counted in the bucket of what it is: a VM's genuine reports, a VM's bad tokens, or a source's garbage.
  const bucket = (req: FastifyRequest): string => {
    const judged = judge(req, opts.signer);
    if (!judged.request) return `garbage ${req.ip}`;
    return `${judged.claims ? 'genuine' : 'bad-token'} ${judged.request.vm}`;
  };
  const maxFor = (_req: FastifyRequest, key: string): number =>
    key.startsWith('genuine ') ? limits.genuinePerVm : key.startsWith('bad-token ') ? limits.badTokenPerVm : limits.garbagePerSource;
  const routeLimit = { rateLimit: { hook: 'preHandler' as const, keyGenerator: bucket, max: maxFor, timeWindow: 60_000 } };

  const handle = (req: FastifyRequest, reply: FastifyReply) => phoneHome(opts, req, reply);
  app.get(`${PHONE_HOME_PREFIX}:vm`, { config: routeLimit }, handle);
  app.post(`${PHONE_HOME_PREFIX}:vm`, { config: routeLimit }, handle);
  app.get('/healthz', async () => ({ ok: true }));
  const garbageLimit = app.rateLimit({ keyGenerator: (req) => `garbage ${req.ip}`, max: limits.garbagePerSource, timeWindow: 60_000 });
  app.setNotFoundHandler({ preHandler: garbageLimit }, (_req, reply) => void reply.code(404).send({ error: 'not found' }));
  return app;
}

async function phoneHome(opts: GatewayOptions, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { request, claims, issues } = judge(req, opts.signer);
  if (!request) return void reply.code(400).send({ error: 'malformed phone-home request', issues });
  const { vm, instanceId, hostname } = request;
  if (!claims) return void reply.code(403).send({ error: 'bad token for this VM' });
  if (instanceId !== undefined && instanceId !== vm) {
    return void reply.code(400).send({ error: 'instance_id does not match the VM in the URL' });
  }
  const detail: Record<string, string> = { via: 'gateway', remoteAddress: req.ip };
  if (instanceId) detail.instanceId = instanceId;
  if (hostname) detail.hostname = hostname;
  // To the run the token was made for, with the nonce it was made for: the workflow's validator decides.
  const outcome = await opts.reportBoot(vm, { source: 'guest', nonce: claims.nonce, detail }, claims.runId);
  if (outcome === 'refused') return void reply.code(409).send({ error: `VM ${vm} is not waiting for this boot-complete` });
  if (outcome !== 'accepted') return void reply.code(404).send({ error: `no running VM workflow ${vm}` });
  return void reply.code(204).send();
}

function badRequest(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 400 });
}
