import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayModuleConfig } from './config.js';
import type { Store } from '../domain/store/store.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import type { Access } from '../domain/access/access.js';
import type { ClientService } from '../domain/clients/clients.js';
import type { ConversationService } from '../domain/conversations/conversations.js';
import type { HistoryService } from '../domain/history/history.js';
import type { Registry } from 'prom-client';
import type { Principal } from '../domain/access/roles.js';
import { splitHostPort } from '../common/config.js';
import type { ChannelConfig } from './config.js';
import { AttachmentStore } from './core/attachments.js';
import { BlockList } from './core/blocks.js';
import type { Bridge, BridgeContext } from './core/bridge.js';
import { Ingest } from './core/ingest.js';
import { LiveBus } from './core/live.js';
import { GatewayMetrics } from './core/metrics.js';
import { Replies } from './core/replies.js';
import { Desk } from '../domain/conversations/desk.js';
import { buildPublic } from './http/public.js';
import gatewayRoutes from './http/routes.js';
import { Outbox } from './outbox/outbox.js';
import { TelegramBridge } from './telegram/telegram.js';
import { WhatsAppBridge } from './whatsapp/whatsapp.js';
import { VkBridge } from './vk/vk.js';
import { WebchatBridge } from './webchat/webchat.js';
import { ProvisionedChannels } from './provisioned.js';

export interface GatewayDeps {
  config: GatewayModuleConfig;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  access: Access;
  clients: ClientService;
  conversations: ConversationService;
  history: HistoryService;
  /** The appliance's registry: each module adds its own metrics to it. */
  metrics: { registry: Registry };
  readiness: Map<string, () => 'ok' | 'down'>;
  /** The appliance's one event feed (domain/events/bus.ts): the gateway publishes messages and conversations onto it. */
  events: LiveBus;
}

const SWEEP_MS = 3600_000;

/**
 * The messenger gateway, built once by the composition root: bridges per
 * configured channel, the shared ingest pipeline, the outbox, live updates,
 * the desk, and the public listener (only when gateway.publicListen is set).
 */
export class Gateway {
  readonly bridges = new Map<string, Bridge>();
  readonly live: LiveBus;
  readonly metrics: GatewayMetrics;
  readonly attachments: AttachmentStore;
  readonly blocks: BlockList;
  readonly desk: Desk;
  readonly ingest: Ingest;
  readonly outbox: Outbox;
  readonly replies: Replies;
  readonly authenticate: (secret: string) => Principal | null;
  publicHttp: FastifyInstance | null = null;
  readonly channels: ChannelConfig[];
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly deps: GatewayDeps) {
    const { config, store, logger } = deps;
    const gw = config.gateway;
    this.live = deps.events;
    this.authenticate = (secret) => deps.access.authenticate(secret);
    this.metrics = new GatewayMetrics(deps.metrics.registry, () => this.outbox.stats(), () => [...this.bridges.keys()]);
    this.attachments = new AttachmentStore(config.dataDir, gw.attachmentMaxBytes, gw.outbox.requestTimeoutMs * 2);
    this.blocks = new BlockList(store, deps.audit);
    this.desk = new Desk(store, deps.access.users, deps.conversations);
    this.ingest = new Ingest({ store, clients: deps.clients, conversations: deps.conversations, history: deps.history, desk: this.desk, blocks: this.blocks, metrics: this.metrics, live: this.live, logger, senderRate: gw.inboundPerSenderPerSecond, senderBurst: gw.inboundBurst });
    // The config file's channels, then those provision apply declared (the file wins an id both name).
    const declared = [...config.channels];
    for (const c of new ProvisionedChannels(store, deps.audit).list()) {
      if (declared.some((d) => d.id === c.id)) logger.warn({ channel: c.id }, 'a provisioned channel is also in the config file; the file wins');
      else declared.push(c);
    }
    this.channels = declared;
    const limits = new Map(declared.map((c) => [c.id, c.limits]));
    this.outbox = new Outbox(store, this.ingest, this.metrics, this.live, logger, gw.outbox, this.bridges, (id) => limits.get(id) ?? { perSecond: 1, perRecipientSeconds: 1 });
    this.replies = new Replies(store, deps.clients, deps.conversations, deps.history, this.desk, this.outbox, this.attachments, this.live, this.bridges);
    const ctx: BridgeContext = { ingest: this.ingest, attachments: this.attachments, store, logger, metrics: this.metrics, timeoutMs: gw.outbox.requestTimeoutMs };
    for (const c of declared) {
      const bridge = this.bridgeFor(c, ctx);
      this.bridges.set(c.id, bridge);
      deps.readiness.set(`channel:${c.id}`, () => bridge.health());
    }
    this.metrics.zero([...this.bridges.keys()]);
    // Assigning, closing and reopening through the API reach open screens like the gateway's own changes do.
    deps.conversations.onChanged((c) => this.live.publish({ type: 'conversation', conversationId: c.id }));
  }

  private bridgeFor(c: ChannelConfig, ctx: BridgeContext): Bridge {
    switch (c.type) {
      case 'telegram':
        return new TelegramBridge(c, ctx);
      case 'whatsapp':
        return new WhatsAppBridge(c, ctx);
      case 'vk':
        return new VkBridge(c, ctx);
      case 'webchat':
        return new WebchatBridge(c, ctx, this.deps.clients, this.deps.history);
    }
  }

  /** The local API's gateway routes, registered by buildHttp after auth. */
  routes = async (app: FastifyInstance): Promise<void> => {
    await app.register(gatewayRoutes, { gateway: this, conversations: this.deps.conversations, history: this.deps.history, sessions: this.deps.access.sessions, users: this.deps.access.users });
  };

  /** Starts the bridges and the outbox, and the public listener when configured; returns its address. */
  async start(): Promise<string | null> {
    const gw = this.deps.config.gateway;
    let address: string | null = null;
    if (gw.publicListen) {
      const webchats = [...this.bridges.values()].filter((b): b is WebchatBridge => b instanceof WebchatBridge);
      this.publicHttp = await buildPublic({ logger: this.deps.logger, bodyLimit: gw.publicBodyLimitBytes, bridges: this.bridges, metrics: this.metrics, extra: [async (app) => WebchatBridge.register(app, webchats)] });
      const { host, port } = splitHostPort(gw.publicListen, 'gateway.publicListen');
      address = await this.publicHttp.listen({ host, port });
      this.deps.logger.info({ address }, 'public webhook listener listening');
    } else {
      // These channels can only receive through the public listener: say so once, loudly, at start.
      const needy = this.channels.filter((c) => c.type === 'whatsapp' || c.type === 'webchat' || (c.type === 'telegram' && c.mode === 'webhook') || (c.type === 'vk' && c.mode === 'callback'));
      if (needy.length) this.deps.logger.warn({ channels: needy.map((c) => c.id) }, 'these channels receive only through the public listener, and gateway.publicListen is off');
    }
    for (const b of this.bridges.values()) await b.start();
    this.outbox.start();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    return address;
  }

  async sweep(): Promise<void> {
    try {
      await this.ingest.sweep(this.deps.config.gateway.dedupeDays * 86400_000);
      await this.replies.sweep();
    } catch (err) {
      this.deps.logger.warn({ err }, 'gateway sweep failed');
    }
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.publicHttp?.close();
    await Promise.all([...this.bridges.values()].map((b) => b.stop()));
    await this.outbox.stop();
  }
}
