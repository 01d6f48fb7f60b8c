import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { Access } from '../../domain/access/access.js';
import { validatorCompiler } from './validation.js';
import errorsPlugin from './plugins/errors.js';
import authPlugin from './plugins/auth.js';
import healthRoutes from './routes/health.js';
import sessionRoutes from './routes/sessions.js';
import userRoutes from './routes/users.js';
import tokenRoutes from './routes/tokens.js';
import auditRoutes from './routes/audit.js';
import clientRoutes from './routes/clients.js';
import conversationRoutes from './routes/conversations.js';
import metricsPlugin from './routes/metrics.js';
import browserSessionRoutes from './plugins/browser-session.js';
import consoleStatic from './plugins/console-static.js';
import inboxRoutes from './routes/inbox.js';
import deskRoutes from './routes/desk.js';
import { ReadMarks } from '../../domain/conversations/read-marks.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { HistoryService } from '../../domain/history/history.js';
import type { ConversationService } from '../../domain/conversations/conversations.js';
import { secureContextOf, type ServedTls } from './tls-material.js';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  access: Access;
  clients: ClientService;
  history: HistoryService;
  conversations: ConversationService;
  metrics: Metrics;
  readiness: Map<string, () => 'ok' | 'down'>;
  /** The pair to serve HTTPS with (listen.tls); null: plain HTTP, only ever on loopback. */
  tls?: ServedTls | null;
  /** Route plugins of other concerns (clients, conversations, channels), registered after auth. */
  extraRoutes?: Array<(app: FastifyInstance) => Promise<void>>;
}

/**
 * The local API, built but not listening: tests drive it with inject(), main
 * calls listen(). Each concern is one encapsulated plugin that receives exactly
 * the services it needs.
 */
export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.listen.bodyLimitBytes,
    // Only the listed proxies' hops are believed: request.ip is the first address from the right that is not one of them.
    trustProxy: config.listen.trustProxy,
    // The query string can hold a searched phone number: log the path only.
    requestIdHeader: false,
    // An https.Server underneath: the routes see the same fastify API; only tls-reload touches the raw server.
    ...((deps.tls ? { https: secureContextOf(deps.tls) } : {}) as object),
  });
  app.setValidatorCompiler(validatorCompiler);
  // Only JSON is spoken: drop fastify's default text/plain parser so anything else is a 415.
  app.removeContentTypeParser('text/plain');

  // Every answer here is a credential or someone's data (recordings, histories): no browser or proxy keeps a copy.
  // Set first, at the root, so refusals, 404s and streamed files carry it too.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  await app.register(errorsPlugin);
  // HSTS only where it is true: over plain loopback HTTP it would pin localhost for every other local service.
  await app.register(helmet, { global: true, strictTransportSecurity: deps.tls ? { maxAge: 31_536_000, includeSubDomains: false } : false });
  await app.register(authPlugin, { access: deps.access, allow: config.listen.allow });
  await app.register(metricsPlugin, { metrics: deps.metrics });
  await app.register(healthRoutes, { store: deps.store, users: deps.access.users, readiness: deps.readiness });
  await app.register(sessionRoutes, { access: deps.access, loginRatePerMinute: config.access.loginRatePerMinute });
  await app.register(userRoutes, { access: deps.access });
  await app.register(tokenRoutes, { access: deps.access });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(clientRoutes, { clients: deps.clients, history: deps.history, conversations: deps.conversations, audit: deps.audit });
  await app.register(conversationRoutes, { conversations: deps.conversations });
  await app.register(inboxRoutes, { conversations: deps.conversations, clients: deps.clients, history: deps.history, marks: new ReadMarks(deps.store) });
  await app.register(deskRoutes, { conversations: deps.conversations, users: deps.access.users, attachmentMaxBytes: config.gateway.attachmentMaxBytes, requestMaxBytes: config.listen.bodyLimitBytes });
  await app.register(browserSessionRoutes, { access: deps.access, audit: deps.audit, loginRatePerMinute: config.access.loginRatePerMinute, idleSeconds: config.access.sessionIdleSeconds });
  await app.register(consoleStatic);
  for (const routes of deps.extraRoutes ?? []) await app.register(routes);
  return app;
}
