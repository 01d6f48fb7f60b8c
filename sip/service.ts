import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { SipModuleConfig } from './config.js';
import type { Store } from '../domain/store/store.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import type { ClientService } from '../domain/clients/clients.js';
import type { HistoryService } from '../domain/history/history.js';
import type { Registry } from 'prom-client';
import { newSrf, type Srf, type SipRequest, type SipResponse } from './drachtio/srf.js';
import { DrachtioConnection } from './drachtio/connection.js';
import { ServedTlsCheck } from './drachtio/served-tls.js';
import { installParseGuard } from './drachtio/parse-guard.js';
import { SipMetrics } from './metrics.js';
import { DigestAuthenticator } from './auth/digest.js';
import { RequestAuthenticator } from './auth/request-auth.js';
import { ExtensionDirectory } from './registrar/directory.js';
import { DepartmentDirectory } from './registrar/department-directory.js';
import { ProvisionedDepartments } from './registrar/provisioned-departments.js';
import { BindingStore } from './registrar/bindings.js';
import { Registrar } from './registrar/registrar.js';
import { BanList } from './protection/bans.js';
import { ProtectionGuard } from './protection/guard.js';
import { CallLog } from './calls/call-log.js';
import { summaryOf } from './calls/call-summary.js';
import { CallRouter } from './calls/router.js';
import { TrunkMatcher } from './calls/origin.js';
import { DestinationResolver } from './calls/destinations.js';
import { ActiveCalls } from './calls/active-calls.js';
import { CallController } from './calls/controller.js';
import type { AttemptDeps } from './calls/b2bua-call.js';
import { ClickToCall } from './calls/click-to-call.js';
import { phoneRoutes } from './http/phone-routes.js';
import type { CallSummary, DomainEvent } from '../domain/events/events.js';
import { SwitchboardError } from '../common/errors.js';
import { DirectMedia, type MediaAnchor } from './calls/media.js';
import { TrunkRegistrations } from './trunks/trunk-registration.js';
import { resolveSecretValue } from '../common/config.js';
import { checkSipConfig } from './config-check.js';
import { sipRoutes, type SipRouteDeps } from './http/routes.js';
import { FreeswitchMedia } from './calls/anchored-media.js';
import { FreeswitchBackend } from './media/freeswitch/freeswitch-backend.js';
import { AsteriskMedia } from './calls/asterisk-media.js';
import { AsteriskBackend } from './media/asterisk/asterisk-backend.js';
import type { MediaBackend } from './media/types.js';
import { AnchoredMedia } from './calls/anchored-media.js';
import { RecordingSpace } from './media/recording-space.js';
import { RecordingDiskWatch } from './media/recording-watch.js';
import { RecordingRetention } from './media/retention.js';
import { sipStateRoutes, type SipStateDeps } from './http/state-routes.js';

/** Where recordings are written (by the media server) and read (by the API): DATADIR/recordings. */
export function recordingsDirOf(config: SipModuleConfig): string {
  return path.resolve(config.dataDir, 'recordings');
}

export interface SipDeps {
  config: SipModuleConfig;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  clients: ClientService;
  history: HistoryService;
  /** The appliance's registry: each module adds its own metrics to it. */
  metrics: { registry: Registry };
  readiness: Map<string, () => 'ok' | 'down'>;
  env?: NodeJS.ProcessEnv;
  /** An anchor to use as is (tests); default: built from mediaBackend, else media flows phone to phone. */
  media?: MediaAnchor;
  /** The media server (createMediaBackend); calls whose policy says record are anchored and recorded on it. */
  mediaBackend?: MediaBackend | null;
  /** Users' extensions (access.users): an operator's calls and recordings are those of their extension. */
  users: SipRouteDeps['users'];
  /** The appliance's event feed: each call's ringing, answer and end are published on it after commit. */
  events?: { publish(event: DomainEvent): void };
}

/**
 * Telephony: the composition of sip/. Builds each piece with what it needs,
 * wires them onto one drachtio-srf instance, and exposes what the rest of the
 * appliance uses (routes, readiness, start/stop). No SIP logic lives here.
 */
export class SipService {
  readonly srf: Srf;
  readonly connection: DrachtioConnection;
  /** Whether drachtio-server serves sip.tls's certificate (the appliance sets what it expects). */
  readonly servedTls: ServedTlsCheck;
  readonly directory: ExtensionDirectory;
  readonly bindings: BindingStore;
  readonly bans: BanList;
  readonly calls: CallLog;
  readonly active = new ActiveCalls();
  readonly registrar: Registrar;
  readonly controller: CallController;
  readonly guard: ProtectionGuard;
  readonly trunkRegistrations: TrunkRegistrations;
  readonly sipMetrics: SipMetrics;
  readonly routes: (app: FastifyInstance) => Promise<void>;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly attemptDeps: AttemptDeps;
  private readonly recordingWrites = new Set<Promise<void>>();
  /** Deletes recordings past media.retentionDays (sip/media/retention.ts); started by start(). */
  readonly retention: RecordingRetention;
  private everConnected = false;
  /** Stops running recordings when DATADIR/recordings falls below media.minFreeMiB; null without a media backend. */
  readonly diskWatch: RecordingDiskWatch | null;

  constructor(private readonly deps: SipDeps) {
    const { config, logger: parent, store } = deps;
    const env = deps.env ?? process.env;
    const sip = config.sip;
    checkSipConfig(config, 'configuration');
    const logger = parent.child({ module: 'sip' });
    this.directory = new ExtensionDirectory(store, config.extensions, env);
    this.bindings = new BindingStore(store);
    this.bans = new BanList(store, deps.audit, sip.protection);
    this.calls = new CallLog(store, deps.clients, deps.history, logger, deps.events ?? null);
    this.sipMetrics = new SipMetrics(deps.metrics.registry, {
      contacts: () => this.bindings.countLive(),
      bans: () => this.bans.list().length,
      activeCalls: () => this.active.size,
    }, { connection: sip.enabled });
    this.bans.onBan = (ban) => this.sipMetrics.bans.inc({ reason: ban.reason });

    installParseGuard((method) => this.sipMetrics.refused.inc({ method: /^[A-Z]{3,9}$/.test(method) ? method : 'other', reason: 'unparsable' }));
    this.srf = newSrf();
    this.connection = new DrachtioConnection(
      this.srf,
      { host: sip.drachtio.host, port: sip.drachtio.port, secret: resolveSecretValue(sip.drachtio.secret, 'sip.drachtio.secret', env), ...this.tlsOptions(), backoff: { minMs: sip.drachtio.reconnectMinMs, maxMs: sip.drachtio.reconnectMaxMs }, pingMs: sip.drachtio.pingSeconds * 1000 },
      logger,
    );
    this.servedTls = new ServedTlsCheck(this.connection, logger);
    const digest = new DigestAuthenticator({ realm: sip.realm, algorithms: sip.auth.algorithms, sha256UserAgents: sip.auth.sha256UserAgents, nonceTtlSeconds: sip.auth.nonceTtlSeconds });
    const auth = new RequestAuthenticator(digest, this.directory, this.bans, logger);
    auth.onTransportRefused = (method) => this.sipMetrics.refused.inc({ method, reason: 'tls_required' });
    const trunks = new TrunkMatcher(config.trunks);
    this.guard = new ProtectionGuard(sip.protection, trunks.addresses(), this.bans, this.sipMetrics, logger);
    this.registrar = new Registrar(sip.registrar, auth, this.bindings, this.sipMetrics, logger);
    const backend = deps.mediaBackend ?? null;
    let media: MediaAnchor = deps.media ?? new DirectMedia();
    const announcing = { announcement: config.media.announcement.file, musicOnHold: config.media.musicOnHold.file, onAnnounced: (id: string, played: boolean) => this.calls.announced(id, played) };
    if (!deps.media && backend instanceof FreeswitchBackend) {
      media = new FreeswitchMedia({ srf: this.srf, backend, whenDown: config.media.whenDown, onUnavailable: (id) => this.calls.recordingUnavailable(id), logger, ...announcing });
    } else if (!deps.media && backend instanceof AsteriskBackend) {
      media = new AsteriskMedia({ srf: this.srf, backend, whenDown: config.media.whenDown, onUnavailable: (id) => this.calls.recordingUnavailable(id), logger, ...announcing });
    }
    // Recordings disk full: calls to be recorded go direct, flagged disk-full (sip/media/recording-space.ts).
    const space = new RecordingSpace({ recordingsDir: recordingsDirOf(config), minFreeMiB: config.media.minFreeMiB, registry: deps.metrics.registry, logger, onRefused: (id) => this.calls.recordingUnavailable(id, 'disk-full') });
    if (media instanceof AnchoredMedia) media.deps.refuseRecording = (id) => space.refuse(id);
    // Recordings already running when the disk fills are stopped, the calls go on (sip/media/recording-watch.ts).
    this.diskWatch = backend ? new RecordingDiskWatch({ backend, space, intervalMs: config.media.diskCheckSeconds * 1000, registry: deps.metrics.registry, logger }) : null;
    this.retention = new RecordingRetention({ store: deps.store, audit: deps.audit, logger, recordingsDir: recordingsDirOf(config), retentionDays: config.media.retentionDays });
    backend?.on('recording-stopped', (r) => {
      const done = this.calls.recordingStopped(r, this.diskWatch?.takeInterruption(r)).then(
        () => undefined,
        (err: unknown) => logger.error({ err, call: r.callId }, 'recording not written to the call record'),
      );
      this.recordingWrites.add(done);
      void done.finally(() => this.recordingWrites.delete(done));
    });
    const router = new CallRouter(this.directory, config.trunks, sip.calls.fallback, sip.calls);
    const departments = new DepartmentDirectory(new ProvisionedDepartments(store, deps.audit), config.departments);
    this.attemptDeps = { srf: this.srf, log: this.calls, media, active: this.active, metrics: this.sipMetrics, logger, ringTimeoutMs: sip.calls.ringTimeoutSeconds * 1000, ackTimeoutMs: sip.calls.ackTimeoutSeconds * 1000, maxDurationMs: sip.calls.maxDurationSeconds * 1000 };
    this.controller = new CallController(sip.calls, trunks, auth, router, new DestinationResolver(this.bindings), (name) => departments.policy(name), this.attemptDeps, logger, env);
    this.trunkRegistrations = new TrunkRegistrations(this.srf, config.trunks, logger, env);
    this.wire(logger);
    const registry = sipRoutes({ bindings: this.bindings, calls: this.calls, bans: this.bans, directory: this.directory, audit: deps.audit, recordingsDir: recordingsDirOf(config), users: deps.users });
    const phone = phoneRoutes({ calls: this.calls, clients: deps.clients, history: deps.history, audit: deps.audit, bindings: this.bindings, users: deps.users, prepareClickToCall: (ext, to) => this.prepareClickToCall(ext, to) });
    this.routes = async (app) => {
      await app.register(registry);
      await app.register(phone);
    };
  }

  /**
   * A click-to-call from this extension to `to`, planned and checked (SIP up,
   * the extension configured, a phone of it registered, a trunk for the
   * number) but not started: start() rings the phone, and the call goes on by
   * itself (its record and events say how it went).
   */
  prepareClickToCall(extension: string, to: string): { call: CallSummary; start(): void } {
    if (!this.enabled || !this.connection.connected) throw new SwitchboardError('SWB_ERR_SIP_UNAVAILABLE', 'the phone system is not connected; try again shortly');
    const ext = this.directory.get(extension);
    if (!ext) throw new SwitchboardError('SWB_ERR_NO_EXTENSION', `extension ${extension} is not configured (extensions: in the config, or provision apply)`, { field: 'extension' });
    const plan = this.controller.planClickToCall(ext, to);
    if (plan.phone.length === 0) throw new SwitchboardError('SWB_ERR_PHONE_OFFLINE', `no phone is registered for extension ${extension}: start your phone or softphone first`);
    const call = new ClickToCall(this.attemptDeps, plan);
    return {
      call: summaryOf(plan.record, null),
      start: () => void call.run().catch((err: unknown) => this.deps.logger.error({ err, call: call.id }, 'click-to-call record not written')),
    };
  }

  private wire(logger: Logger): void {
    const srf = this.srf;
    srf.use(this.guard.middleware());
    srf.use('register', (req, res) => void this.registrar.handle(req, res));
    srf.use('invite', (req, res) => void this.controller.handle(req, res));
    // Phones probe with OPTIONS as a keep-alive (and scanners as a ping): a plain 200.
    srf.use('options', (_req, res) => res.send(200, { headers: { Allow: ALLOW } }));
    // A BYE or CANCEL outside any dialog we know (after a restart, or a late retransmission).
    srf.use('bye', (_req, res) => res.send(481));
    srf.use((req: SipRequest, res: SipResponse) => {
      if (req.method === 'ACK') return;
      res.send(405, { headers: { Allow: ALLOW } });
    });
    this.connection.on('state', (s) => this.sipMetrics.connected?.set(s === 'connected' ? 1 : 0));
    this.connection.on('up', () => {
      if (this.everConnected) this.sipMetrics.reconnects.inc();
      this.everConnected = true;
      this.trunkRegistrations.startAll();
    });
    this.connection.on('down', () => {
      // The dialogs were on the lost connection: end each call now so its record is written once.
      const n = this.active.hangupAll('signalling-lost');
      if (n) logger.warn({ calls: n }, 'ended calls in progress after losing drachtio-server');
    });
  }

  private tlsOptions(): { tls?: ConnectionOptions } {
    const t = this.deps.config.sip.drachtio.tls;
    if (!t) return {};
    const read = (f: string | undefined): Buffer | undefined => (f ? readFileSync(f) : undefined);
    const opts: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized };
    if (t.ca) opts.ca = read(t.ca);
    if (t.cert) opts.cert = read(t.cert);
    if (t.key) opts.key = read(t.key);
    if (t.servername) opts.servername = t.servername;
    return { tls: opts };
  }

  get enabled(): boolean {
    return this.deps.config.sip.enabled;
  }

  /** Connects when SIP is enabled; ends calls left open by the previous run either way. */
  async start(): Promise<void> {
    await this.calls.recover();
    this.retention.start();
    if (!this.enabled) return;
    this.deps.readiness.set('sip', () => (this.connection.connected ? 'ok' : 'down'));
    this.connection.start();
    this.sweeper = setInterval(() => {
      void this.bindings.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'binding sweep failed'));
      void this.bans.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'ban sweep failed'));
    }, 60_000);
    this.sweeper.unref();
  }

  /** Ends calls in progress (their records are written), then the connection. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.diskWatch?.close();
    await this.retention.stop();
    this.trunkRegistrations.stopAll();
    this.active.hangupAll('shutdown');
    await new Promise((r) => setTimeout(r, this.active.size ? 200 : 0));
    await this.calls.settle();
    this.connection.close();
  }

  /** The state routes (calls in progress, extensions, trunks); `users` names who answers each extension. */
  stateRoutes(users: SipStateDeps['users']): (app: FastifyInstance) => Promise<void> {
    return sipStateRoutes({
      calls: this.calls,
      bindings: this.bindings,
      directory: this.directory,
      trunks: this.deps.config.trunks,
      trunkState: (id) => this.trunkRegistrations.state(id),
      signalling: () => (!this.enabled ? 'disabled' : this.connection.connected ? 'connected' : 'down'),
      users,
    });
  }

  /** Resolves once every reported recording is in its call record and history (after the media backend closed). */
  async settleRecordings(): Promise<void> {
    while (this.recordingWrites.size) await Promise.all([...this.recordingWrites]);
  }
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO';
