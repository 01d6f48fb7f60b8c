import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SwitchboardError, isRetryable } from '../../common/errors.js';
import { toSwitchboardError } from '../../http/errors.js';
import type { Bridge } from '../core/bridge.js';
import type { GatewayMetrics } from '../core/metrics.js';
import { loggedPath } from '../../common/log-path.js';
import { RefusalLog } from './refusal-log.js';

export interface PublicOptions {
  logger: Logger;
  bodyLimit: number;
  bridges: Map<string, Bridge>;
  metrics: GatewayMetrics;
  /** Bridges that serve more than webhooks here (the web chat widget and its WebSocket). */
  extra: Array<(app: FastifyInstance) => Promise<void>>;
  /** The refusal log's cap and window; the defaults (60 lines a minute) serve outside tests. */
  refusalLog?: { perMinute: number; windowMs: number };
}

/**
 * The public listener: the only socket meant to face the internet. A separate
 * fastify instance, so nothing of the local API (sessions, clients, metrics)
 * can be reached through it; it serves POST /webhooks/:channelId, the
 * WhatsApp GET handshake on the same path, and the web chat widget. Bodies are
 * kept as raw bytes: WhatsApp's signature is over exactly what was sent.
 */
export async function buildPublic(opts: PublicOptions): Promise<FastifyInstance> {
  const logger = opts.logger.child({ listener: 'public' });
  const refusals = new RefusalLog(logger, opts.metrics.publicRefusals, opts.metrics.publicRefusalsUnlogged, opts.refusalLog?.perMinute, opts.refusalLog?.windowMs);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    // Providers deliver thousands of webhooks; a line per request would drown the log. Refusals are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: at thousands of webhooks a second its creation (bindings,
    // redaction) is a measurable share of the work; refusals log the channel and path themselves.
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
  });
  app.removeAllContentTypeParsers();
  // JSON is what providers send; it gets its own (faster) parser entry, anything else the catch-all.
  const raw = (_req: unknown, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, raw);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, raw);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const swb = toSwitchboardError(err as Error);
    if (swb.code === 'SWB_ERR_RATE_LIMITED') reply.header('retry-after', '1');
    // A provider or the store failing is ours to fix and the provider's to redeliver: 503, never a 200.
    const status = isRetryable(swb) ? 503 : swb.status;
    if (status >= 500) request.log.error({ err, path: loggedPath(request) }, 'webhook failed');
    else refusals.refused(status, 'info', { code: swb.code, path: loggedPath(request) }, 'webhook refused');
    return reply.status(status).send(swb.toJSON());
  });
  // Unrouted paths are whatever a scanner typed: counted, never logged.
  app.setNotFoundHandler((request, reply) => {
    opts.metrics.publicRefusals.inc({ status: '404' });
    return reply.status(404).send(new SwitchboardError('SWB_ERR_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`).toJSON());
  });

  const hook = async (method: 'GET' | 'POST', request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    // No params schema: the id is only ever a map key, and an unknown one is a 404.
    const { channelId } = request.params as { channelId: string };
    const bridge = opts.bridges.get(channelId);
    if (!bridge?.webhook) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `no webhook channel ${channelId}`);
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const result = await bridge.webhook({ method, headers: request.headers, query: request.query as Record<string, string | undefined>, raw });
    if (result.status === 401 || result.status === 403) {
      opts.metrics.verificationFailures.inc({ channel: bridge.id });
      refusals.refused(result.status, 'warn', { channel: bridge.id, status: result.status }, 'webhook verification failed');
    } else if (result.status >= 400 && result.status < 500) opts.metrics.publicRefusals.inc({ status: String(result.status) });
    if (typeof result.body === 'string') reply.type('text/plain; charset=utf-8');
    // 200 is the response's own default; setting it again showed in the profile at thousands of webhooks a second.
    if (result.status !== 200) reply.status(result.status);
    return reply.send(result.body);
  };
  app.post('/webhooks/:channelId', { config: { roles: 'public' } }, (req, reply) => hook('POST', req, reply));
  app.get('/webhooks/:channelId', { config: { roles: 'public' } }, (req, reply) => hook('GET', req, reply));
  for (const register of opts.extra) await register(app);
  return app;
}
