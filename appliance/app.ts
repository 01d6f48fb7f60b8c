import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './log.js';
import { Store } from './store/store.js';
import { AuditLog } from './audit/audit-log.js';
import { Access } from './access/access.js';
import { HistoryService } from './history/history.js';
import { ClientService } from './clients/clients.js';
import { ConversationService } from './conversations/conversations.js';
import { buildHttp } from './http/server.js';
import { Metrics } from './metrics/metrics.js';
import { markRunning } from './backup/liveness.js';
import { auditConfigChange } from './config/change-audit.js';
import { FIRST_ADMIN_HINT } from './http/routes/health.js';
import { Gateway } from '../gateway/gateway.js';
import { SipService } from '../sip/service.js';

export interface BuildOptions {
  config: Config;
  logger?: Logger;
}

/** Everything the running box is made of, built once and handed to whoever needs it. */
export interface Appliance {
  config: Config;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  access: Access;
  history: HistoryService;
  clients: ClientService;
  conversations: ConversationService;
  http: FastifyInstance;
  metrics: Metrics;
  readiness: Map<string, () => 'ok' | 'down'>;
  /** The messenger bridges, outbox and public listener; started by listen(). */
  gateway: Gateway;
  /** Telephony: registrar, calls and their records; connected to drachtio-server by listen() when sip.enabled. */
  sip: SipService;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root: opens the store, builds each domain service with its
 * dependencies, then the HTTP API. Nothing here listens; listen() does.
 */
export async function build(opts: BuildOptions): Promise<Appliance> {
  const { config } = opts;
  const logger = opts.logger ?? createLogger({ level: config.log.level });
  const store = await Store.open({ dataDir: config.dataDir });
  const audit = new AuditLog(store);
  const changed = await auditConfigChange(store, audit, config, process.env.SWITCHBOARD_CONFIG ?? 'defaults');
  if (changed.length) logger.info({ keys: changed }, 'configuration changed since the last start');
  const access = new Access(store, audit, config.access);
  const history = new HistoryService(store);
  const clients = new ClientService(store, audit, history);
  const conversations = new ConversationService(store, audit, history, clients);
  const metrics = new Metrics(store);
  access.login.onOutcome = (outcome) => metrics.logins.inc({ outcome });
  const readiness = new Map<string, () => 'ok' | 'down'>();
  let http: FastifyInstance;
  let gateway: Gateway;
  let sip: SipService;
  try {
    gateway = new Gateway({ config, logger, store, audit, access, clients, conversations, history, metrics, readiness });
    sip = new SipService({ config, logger, store, audit, clients, history, metrics, readiness });
    http = await buildHttp({ config, logger, store, audit, access, clients, history, conversations, metrics, readiness, extraRoutes: [gateway.routes, sip.routes] });
  } catch (err) {
    await store.close();
    throw err;
  }
  const sweep = setInterval(() => void access.sessions.sweep().catch((err: unknown) => logger.warn({ err }, 'session sweep failed')), 60_000);
  sweep.unref();
  let unmark: (() => Promise<void>) | null = null;

  return {
    config,
    logger,
    store,
    audit,
    access,
    history,
    clients,
    conversations,
    http,
    metrics,
    readiness,
    gateway,
    sip,
    async listen() {
      const address = await http.listen({ host: config.listen.host, port: config.listen.port });
      await gateway.start();
      await sip.start();
      unmark = await markRunning(config.dataDir);
      if (access.users.countAdmins() === 0) logger.warn({ setup: FIRST_ADMIN_HINT }, 'no admin exists yet');
      return address;
    },
    async close() {
      clearInterval(sweep);
      await gateway.stop();
      await sip.stop();
      await http.close();
      await store.close();
      await unmark?.();
    },
  };
}
