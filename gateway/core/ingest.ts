import type { Key } from 'lmdb';
import type { Logger } from 'pino';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../../domain/store/store.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { ConversationService } from '../../domain/conversations/conversations.js';
import type { HistoryPosition, HistoryService } from '../../domain/history/history.js';
import type { Attachment, HistoryEvent, MessagePayload, MessageStatus } from '../../domain/history/events.js';
import type { Desk } from '../../domain/conversations/desk.js';
import type { BlockList } from './blocks.js';
import type { GatewayMetrics } from './metrics.js';
import type { LiveBus, LiveEvent } from './live.js';
import { KeyedLimiter } from './rate.js';
import { CommitGroup } from './commit-group.js';
import { advances, type Inbound, type InboundMessage, type RemoteFile } from './message.js';

export interface ChannelInfo {
  id: string;
  type: string;
  department: string | null;
}

/** Where one of our messages sits in history, found again by the provider's id for it. */
export interface MessageRef {
  clientId: string;
  conversationId: string;
  position: HistoryPosition;
}

export interface IngestDeps {
  store: Store;
  clients: ClientService;
  conversations: ConversationService;
  history: HistoryService;
  desk: Desk;
  blocks: BlockList;
  metrics: GatewayMetrics;
  live: LiveBus;
  logger: Logger;
  senderRate: number;
  senderBurst: number;
}

export interface IngestOptions {
  /** Fetch a provider file before the commit; absent means files are not downloadable here. */
  fetchFile?: (file: RemoteFile) => Promise<Attachment>;
  /** Webhooks and the widget: a flooding sender gets 429 and nothing is stored (providers redeliver). */
  limitSenders?: boolean;
  /** More writes that must commit with these messages (a Telegram polling offset). */
  inTxn?: () => void;
  started?: number;
}

export interface IngestOutcome {
  stored: HistoryEvent[];
  duplicates: number;
  blocked: number;
}

/**
 * verify -> normalize happen in each bridge; this is the rest, shared by all of
 * them: dedupe by the provider's id, refuse blocked senders, resolve the sender
 * to a client, open or continue the conversation, append to history. All of it
 * commits in one durable transaction BEFORE the caller acknowledges the provider,
 * so a 200 never covers a message a crash can lose, and a redelivery of a
 * committed update finds its dedupe key and stores nothing. Concurrent webhooks
 * share that commit (CommitGroup); each one's writes still succeed or fail whole.
 */
export class Ingest {
  /** Per channel, then per identity kind: the sender's handle alone is the key, not a string built per message. */
  private readonly limiters = new Map<string, Map<string, KeyedLimiter>>();
  private readonly group: CommitGroup;

  constructor(private readonly deps: IngestDeps) {
    this.group = new CommitGroup(deps.store);
  }

  private limiter(channelId: string, kind: string): KeyedLimiter {
    let kinds = this.limiters.get(channelId);
    if (!kinds) this.limiters.set(channelId, (kinds = new Map()));
    let limiter = kinds.get(kind);
    if (!limiter) kinds.set(kind, (limiter = new KeyedLimiter(this.deps.senderRate, this.deps.senderBurst)));
    return limiter;
  }

  private get dedupe() {
    return this.deps.store.db<number, Key>('dedupe');
  }

  private get refs() {
    return this.deps.store.db<MessageRef, Key>('channels');
  }

  private readonly children = new Map<string, { seconds: { observe(v: number): void }; inbound: { inc(n: number): void } }>();

  /** Labelled children looked up once per channel: this runs for every message. */
  private series(channelId: string) {
    let c = this.children.get(channelId);
    if (!c) {
      c = { seconds: this.deps.metrics.ingestSeconds.labels({ channel: channelId }), inbound: this.deps.metrics.messages.labels({ channel: channelId, direction: 'in' }) };
      this.children.set(channelId, c);
    }
    return c;
  }

  seen(channelId: string, dedupeKey: string): boolean {
    return this.dedupe.doesExist([channelId, dedupeKey]);
  }

  async accept(channel: ChannelInfo, items: Inbound[], opts: IngestOptions = {}): Promise<IngestOutcome> {
    const { clients, conversations, history, desk, blocks, metrics } = this.deps;
    const started = opts.started ?? performance.now();
    // Outside the transaction: cheap reads so a redelivery downloads nothing and a flood is refused early.
    const fresh = items.filter((i): i is InboundMessage => i.type === 'message' && !this.seen(channel.id, i.dedupeKey));
    if (opts.limitSenders) {
      for (const m of fresh) {
        if (!this.limiter(channel.id, m.sender.kind).take(m.sender.value)) {
          metrics.failures.inc({ channel: channel.id, direction: 'in', reason: 'rate_limited' });
          throw new SwitchboardError('SWB_ERR_RATE_LIMITED', 'this sender is over its message rate; deliver again later');
        }
      }
    }
    const files = new Map<InboundMessage, Attachment[]>();
    for (const m of fresh) {
      if (m.files.length === 0 || blocks.isBlocked(channel.id, m.sender.kind, m.sender.value)) continue;
      const fetched: Attachment[] = [];
      for (const f of m.files) {
        const a = opts.fetchFile ? await opts.fetchFile(f) : { file: '', mime: f.mime, bytes: f.bytes ?? 0, refused: 'unavailable' as const };
        if (a.refused === 'too_large') metrics.failures.inc({ channel: channel.id, direction: 'in', reason: 'attachment_too_large' });
        fetched.push(a);
      }
      files.set(m, fetched);
    }

    const live: LiveEvent[] = [];
    const outcome: IngestOutcome = { stored: [], duplicates: 0, blocked: 0 };
    const ctx = { actor: 'system', source: `channel:${channel.id}` };
    await this.group.run(() => {
      live.length = 0;
      Object.assign(outcome, { stored: [], duplicates: 0, blocked: 0 });
      const now = new Date().toISOString();
      for (const item of items) {
        if (item.type === 'status') {
          const changed = this.statusInTxn(channel.id, item.externalId, item.status, item.error);
          if (changed) live.push(changed);
          continue;
        }
        // Checked again inside the write lock: two deliveries of one update may race.
        if (this.dedupe.doesExist([channel.id, item.dedupeKey])) {
          outcome.duplicates++;
          continue;
        }
        this.dedupe.putSync([channel.id, item.dedupeKey], Date.now());
        if (blocks.isBlocked(channel.id, item.sender.kind, item.sender.value)) {
          outcome.blocked++;
          continue;
        }
        const client = clients.resolveOrCreateInTxn(item.sender.kind, item.sender.value, item.sender.name, ctx);
        let conv = conversations.openOrContinueInTxn(client.id, channel.id, ctx, { department: channel.department, client });
        // openInTxn stamps after `now` was taken: a conversation opened by this message is not older than it.
        const opened = conv.openedAt >= now;
        const before = conv.assignee;
        conv = desk.autoAssignInTxn(conv);
        const payload: MessagePayload = { text: item.text, attachments: files.get(item) ?? [], externalId: item.externalId, status: 'received' };
        if (item.location) payload.location = item.location;
        if (item.contact) payload.contact = item.contact;
        if (item.replyTo) payload.replyTo = item.replyTo;
        if (item.editOf) payload.editOf = item.editOf;
        const { event } = history.appendPositionedInTxn({
          kind: 'message',
          clientId: client.id,
          conversationId: conv.id,
          channel: channel.id,
          direction: 'in',
          actor: { type: 'client', id: client.id },
          at: now,
          payload,
        });
        // lastInboundAt and the response clock in one write of the record: this runs for every message.
        desk.inboundInTxn(conv, now);
        outcome.stored.push(event);
        if (opened || conv.assignee !== before) live.push({ type: 'conversation', conversationId: conv.id });
        live.push({ type: 'message', conversationId: conv.id, event });
      }
      opts.inTxn?.();
    });

    const series = this.series(channel.id);
    series.seconds.observe((performance.now() - started) / 1000);
    if (outcome.stored.length) series.inbound.inc(outcome.stored.length);
    if (outcome.duplicates) metrics.duplicates.inc({ channel: channel.id }, outcome.duplicates);
    if (outcome.blocked) metrics.failures.inc({ channel: channel.id, direction: 'in', reason: 'blocked' }, outcome.blocked);
    for (const e of live) this.deps.live.publish(e);
    return outcome;
  }

  refOf(channelId: string, externalId: string): MessageRef | undefined {
    return this.refs.get(['ext', channelId, externalId]);
  }

  /** Only inside store.write(): remember where one of our messages is, under the provider's id for it. */
  rememberInTxn(channelId: string, externalId: string, ref: MessageRef): void {
    this.refs.putSync(['ext', channelId, externalId], ref);
  }

  /**
   * Only inside store.write(). Moves a message's status forward and never back
   * (receipts arrive out of order: a late 'delivered' after 'read' is ignored).
   * Returns the live event to publish after the commit, or null when nothing changed.
   */
  statusInTxn(channelId: string, externalId: string, status: MessageStatus, error?: string, ref?: MessageRef): LiveEvent | null {
    const found = ref ?? this.refs.get(['ext', channelId, externalId]);
    if (!found) return null;
    // A merge moved the client's history under the survivor; the position is unchanged.
    const clientId = this.deps.clients.get(found.clientId)?.id ?? found.clientId;
    const event = this.deps.history.at(clientId, found.position);
    if (!event || event.kind !== 'message' || !advances(event.payload.status, status)) return null;
    const payload: MessagePayload = { ...event.payload, status };
    if (event.payload.externalId === null && externalId) payload.externalId = externalId;
    if (error) payload.error = error.slice(0, 500);
    this.deps.history.replaceInTxn(clientId, found.position, { ...event, payload });
    return { type: 'status', conversationId: found.conversationId, eventId: event.id, status, ...(error ? { error: payload.error } : {}) };
  }

  /**
   * Receipts that name a range rather than a message (VK's message_read: "read
   * up to"): `pick` runs under the write lock, so it sees every reply whose
   * `sent` committed before, and may prune the index it reads. Publishes what changed.
   */
  async statusesInWrite(channelId: string, status: MessageStatus, pick: () => string[]): Promise<number> {
    const live: LiveEvent[] = [];
    await this.deps.store.write(() => {
      live.length = 0;
      for (const externalId of pick()) {
        const changed = this.statusInTxn(channelId, externalId, status);
        if (changed) live.push(changed);
      }
    });
    for (const e of live) this.deps.live.publish(e);
    return live.length;
  }

  /** Forget provider ids older than the redelivery window, a slice at a time. */
  async sweep(olderThanMs: number, slice = 5000): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    let start: Key | undefined;
    for (;;) {
      const batch = [...this.dedupe.getRange({ ...(start === undefined ? {} : { start }), limit: slice })];
      if (batch.length === 0) return removed;
      const old = batch.filter((e) => e.value < cutoff).map((e) => e.key);
      if (old.length) await this.deps.store.write(() => old.forEach((k) => this.dedupe.removeSync(k)));
      removed += old.length;
      if (batch.length < slice) return removed;
      start = batch[batch.length - 1]!.key;
    }
  }
}
