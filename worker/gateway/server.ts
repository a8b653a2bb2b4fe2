// The boot gateway: the HTTP endpoint guests phone home to when their boot is complete (cloud-init `phone_home`
// posts, or a plain GET/POST from minimal guests), turned into the bootComplete signal of the VM's workflow. Checks
// run cheapest and safest first (shape, size, rate, token) so that no bad request ever reaches Temporal, let alone
// signals a workflow.
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { formatIssues } from '../../domain';
import type { SignalOutcome } from '../../activities/ports';
import type { BootCompleteEvent } from '../../workflows/types';
import type { TokenSigner } from '../tokens';
import { PHONE_HOME_PREFIX, redactUrl } from './phone-home';
import { readPhoneHome } from './phone-home';


export interface GatewayOptions {
  signer: TokenSigner;
  signalBoot: (workflowId: string, event: BootCompleteEvent) => Promise<SignalOutcome>;
  rateLimitPerMinute: number;
  logger: FastifyBaseLogger;
  bodyLimitBytes?: number;
}

export async function createGateway(opts: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    // Fastify's own request lines would log the URL with its token; onResponse below logs a redacted line instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes ?? 16 * 1024,
    // Workflow ids are percent-encoded path segments; keep the router from splitting or normalising them.
    routerOptions: { maxParamLength: 512 },
  });
  await app.register(rateLimit, { max: opts.rateLimitPerMinute, timeWindow: '1 minute' });
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
  });

  const handle = (req: FastifyRequest, reply: FastifyReply) => phoneHome(opts, req, reply);
  app.get(`${PHONE_HOME_PREFIX}:vm`, handle);
  app.post(`${PHONE_HOME_PREFIX}:vm`, handle);
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}

async function phoneHome(opts: GatewayOptions, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const body = typeof req.body === 'object' ? (req.body as Record<string, unknown> | null) : undefined;
  const parsed = readPhoneHome(
    req.params as Record<string, unknown>,
    req.query as Record<string, unknown>,
    body,
    req.headers['x-bootshift-token'],
  );
  if (!parsed.success) {
    const issues = formatIssues(parsed.error.issues);
    return void reply.code(400).send({ error: 'malformed phone-home request', issues });
  }
  const { vm, token, instanceId, hostname } = parsed.data;
  if (!opts.signer.verify(vm, token)) return void reply.code(403).send({ error: 'bad token for this VM' });
  if (instanceId !== undefined && instanceId !== vm) {
    return void reply.code(400).send({ error: 'instance_id does not match the VM in the URL' });
  }
  const detail: Record<string, string> = { via: 'gateway', remoteAddress: req.ip };
  if (instanceId) detail.instanceId = instanceId;
  if (hostname) detail.hostname = hostname;
  const outcome = await opts.signalBoot(vm, { source: 'guest', detail });
  if (outcome !== 'delivered') return void reply.code(404).send({ error: `no running VM workflow ${vm}` });
  return void reply.code(204).send();
}

function badRequest(message: string): Error & { statusCode: number } {
  return Object.assign(new Error(message), { statusCode: 400 });
}
