import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from '../common/log.js';
import { Store } from '../domain/store/store.js';
import { AuditLog } from '../domain/audit/audit-log.js';
import { Access } from '../domain/access/access.js';
import { LdapDirectory } from './directory/ldap-directory.js';
import { HistoryService } from '../domain/history/history.js';
import { ClientService } from '../domain/clients/clients.js';
import { ConversationService } from '../domain/conversations/conversations.js';
import { EventBus } from '../domain/events/bus.js';
import { AuditIntegrity } from '../domain/audit/integrity.js';
import { buildHttp } from './http/server.js';
import { Metrics } from './metrics/metrics.js';
import { markRunning } from './backup/liveness.js';
import { auditConfigChange } from './config/change-audit.js';
import { FIRST_ADMIN_HINT } from './http/routes/health.js';
import { Gateway } from '../gateway/gateway.js';
import { SipService, recordingsDirOf } from '../sip/service.js';
import { packageVersion } from './version.js';
import { createMediaBackend } from '../sip/media/create.js';
import { MediaMetrics } from '../sip/media/metrics.js';
import type { MediaBackend } from '../sip/media/types.js';
import { resolveSecretValue } from '../common/config.js';
import { SwitchboardError } from '../common/errors.js';
import { mkdir } from 'node:fs/promises';
import { auditServedCertificate, loadServedTls, summarize, type ServedTls } from './http/tls-material.js';
import { announceSipTls, loadSipTls } from './sip-tls.js';

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
  /** What happened, once, after commit: messages, conversations and calls (domain/events/). */
  events: EventBus;
  http: FastifyInstance;
  metrics: Metrics;
  readiness: Map<string, () => 'ok' | 'down'>;
  /** The messenger bridges, outbox and public listener; started by listen(). */
  gateway: Gateway;
  /** Telephony: registrar, calls and their records; connected to drachtio-server by listen() when sip.enabled. */
  sip: SipService;
  /** The media server (media.backend), null for `none`; started by listen(). */
  media: MediaBackend | null;
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
  // Before the store opens: a directory misconfigured (ldap:// without StartTLS, no CA file) is a refused start.
  const dir = config.access.directory;
  const directory = dir ? { client: new LdapDirectory(dir, logger.child({ module: 'directory' })), policy: dir } : undefined;
  const store = await Store.open({ dataDir: config.dataDir });
  let audit: AuditLog;
  try {
    const integrity = AuditIntegrity.open(config, { create: true, logger });
    // A box that cannot sign its audit records does not start: every audited action would fail.
    integrity.requireKey();
    audit = new AuditLog(store, integrity);
    await audit.open();
  } catch (err) {
    await store.close();
    throw err;
  }
  const changed = await auditConfigChange(store, audit, config, process.env.SWITCHBOARD_CONFIG ?? 'defaults');
  if (changed.length) logger.info({ keys: changed }, 'configuration changed since the last start');
  const access = new Access(store, audit, config.access, directory);
  const history = new HistoryService(store);
  const clients = new ClientService(store, audit, history, config.sip.calls);
  const conversations = new ConversationService(store, audit, history, clients);
  const events = new EventBus();
  const metrics = new Metrics(store, { version: packageVersion() });
  access.login.onOutcome = (outcome) => metrics.logins.inc({ outcome });
  const readiness = new Map<string, () => 'ok' | 'down'>();
  let http: FastifyInstance;
  let gateway: Gateway;
  let sip: SipService;
  let media: MediaBackend | null = null;
  try {
    gateway = new Gateway({ config, logger, store, audit, access, clients, conversations, history, metrics, readiness, events });
    media = mediaBackendOf(config);
    if (media) {
      const m = media;
      new MediaMetrics(metrics.registry, m);
      readiness.set('media', () => m.readiness());
    }
    sip = new SipService({ config, logger, store, audit, clients, history, metrics, readiness, mediaBackend: media, users: access.users, events });
    const sipTls = config.sip.enabled ? await loadSipTls(config, { create: true }) : null;
    if (sipTls) await announceSipTls({ store, audit, logger, sip }, sipTls, 'start');
    const tls = await loadServedTls(config, { create: true });
    if (tls) await announceTls(store, audit, tls, logger);
    http = await buildHttp({ config, logger, store, audit, access, clients, history, conversations, metrics, readiness, tls, extraRoutes: [gateway.routes, sip.routes] });
    await http.register(sip.stateRoutes(access.users));
  } catch (err) {
    await store.close();
    throw err;
  }
  const sweep = setInterval(() => void access.sweep().catch((err: unknown) => logger.warn({ err }, 'session sweep failed')), 60_000);
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
    events,
    http,
    metrics,
    readiness,
    gateway,
    sip,
    media,
    async listen() {
      const address = await http.listen({ host: config.listen.host, port: config.listen.port });
      await gateway.start();
      if (media) {
        const m = media;
        await mkdir(recordingsDirOf(config), { recursive: true, mode: 0o770 });
        m.start();
      }
      await sip.start();
      unmark = await markRunning(config.dataDir);
      if (access.users.countAdmins() === 0) logger.warn({ setup: FIRST_ADMIN_HINT }, 'no admin exists yet');
      return address;
    },
    async close() {
      clearInterval(sweep);
      await gateway.stop();
      await sip.stop();
      // After the calls ended: the backend reports their recordings, and they are written before the store closes.
      await media?.close();
      await sip.settleRecordings();
      await http.close();
      await audit.flush();
      await store.close();
      await unmark?.();
    },
  };
}

/** The served certificate's fingerprint in the journal at every start, so an admin can compare it with the browser without a shell on the box. */
async function announceTls(store: Store, audit: AuditLog, tls: ServedTls, logger: Logger): Promise<void> {
  await auditServedCertificate(store, audit, tls, 'start');
  const { fingerprint, notAfter } = summarize(tls.cert);
  if (tls.selfSigned?.tightened) logger.warn({ file: tls.keyFile }, 'the TLS key file was readable by others; it is 0600 again');
  logger.info({ fingerprint, notAfter, file: tls.certFile, selfSigned: tls.selfSigned?.outcome }, 'serving HTTPS');
}

/** The `media:` section as a backend (null for `none`); recordings go to DATADIR/recordings. */
function mediaBackendOf(config: Config): MediaBackend | null {
  const m = config.media;
  if (m.backend === 'none') return null;
  if (m.backend === 'asterisk') {
    const ast = m.asterisk;
    if (ast.ami.secret === null) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', 'media.asterisk.ami.secret is required with media.backend: asterisk', { key: 'media.asterisk.ami.secret' });
    return createMediaBackend({
      kind: 'asterisk',
      options: {
        ami: { host: ast.ami.host, port: ast.ami.port, username: ast.ami.username, secret: resolveSecretValue(ast.ami.secret, 'media.asterisk.ami.secret'), reconnectMinMs: ast.ami.reconnectMinMs, reconnectMaxMs: ast.ami.reconnectMaxMs },
        sip: ast.sip,
        recordingsDir: recordingsDirOf(config),
      },
    });
  }
  const fs = m.freeswitch;
  if (fs.esl.password === null) throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', 'media.freeswitch.esl.password is required with media.backend: freeswitch', { key: 'media.freeswitch.esl.password' });
  return createMediaBackend({
    kind: 'freeswitch',
    options: {
      esl: { host: fs.esl.host, port: fs.esl.port, password: resolveSecretValue(fs.esl.password, 'media.freeswitch.esl.password'), reconnectMinMs: fs.esl.reconnectMinMs, reconnectMaxMs: fs.esl.reconnectMaxMs },
      sip: fs.sip,
      recordingsDir: recordingsDirOf(config),
    },
  });
}
