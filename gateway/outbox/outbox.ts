import type { Key } from 'lmdb';
import type { Logger } from 'pino';
import type { Store } from '../../domain/store/store.js';
import type { GatewayConfig } from '../config.js';
import type { Bridge, OutboxItem } from '../core/bridge.js';
import type { Ingest } from '../core/ingest.js';
import type { GatewayMetrics } from '../core/metrics.js';
import type { LiveBus, LiveEvent } from '../core/live.js';
import { transient, type SendOutcome } from '../core/provider-http.js';
import { ChannelPacer, type PaceLimits } from './pacer.js';

type OutboxConfig = GatewayConfig['outbox'];

/**
 * The durable outbox. A reply is written here in the same transaction that
 * appends it to history as `queued` (and that answers the operator), so once
 * the API said 202 the reply survives any crash. The dispatcher sends the head
 * of each conversation's queue, one at a time (so replies arrive in order),
 * paced by each provider's limits; it retries 429, 5xx and network failures
 * with exponential backoff (or the provider's retry_after), and stops at
 * permanent errors. The item is removed in the same commit that records `sent`.
 *
 * A crash after the provider accepted a message and before that commit leaves
 * the item queued, and it is sent again after the restart: exactly once where
 * the provider deduplicates (VK random_id, our own web chat), possibly twice
 * where it cannot (Telegram, WhatsApp). See the README, "Outbox".
 */
export class Outbox {
  private readonly queues = new Map<string, OutboxItem[]>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pacers = new Map<string, ChannelPacer>();
  private abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private pumpQueued = false;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly ingest: Ingest,
    private readonly metrics: GatewayMetrics,
    private readonly live: LiveBus,
    private readonly logger: Logger,
    private readonly cfg: OutboxConfig,
    private readonly bridges: Map<string, Bridge>,
    private readonly limits: (channelId: string) => PaceLimits,
  ) {}

  private get db() {
    return this.store.db<OutboxItem, Key>('outbox');
  }

  /** Only inside store.write(); call schedule() with the result after the commit. */
  putInTxn(fields: Omit<OutboxItem, 'seq' | 'attempts' | 'nextAt' | 'lastError' | 'createdAt'>): OutboxItem {
    const item: OutboxItem = { ...fields, seq: this.store.nextSeq('outbox'), attempts: 0, nextAt: 0, lastError: null, createdAt: new Date().toISOString() };
    this.db.putSync(['item', item.seq], item);
    return item;
  }

  schedule(item: OutboxItem): void {
    const q = this.queues.get(item.conversationId);
    if (q) {
      if (!q.some((i) => i.seq === item.seq)) q.push(item);
    } else this.queues.set(item.conversationId, [item]);
    this.kick();
  }

  /** Loads what a previous run left (in seq order, so each conversation keeps its order) and starts sending. */
  start(): void {
    this.running = true;
    this.abort = new AbortController();
    for (const { value } of this.db.getRange({ start: ['item'], end: ['item', Infinity] })) this.schedule(value);
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  stats(): Map<string, { depth: number; oldestMs: number | null }> {
    const out = new Map<string, { depth: number; oldestMs: number | null }>();
    for (const q of this.queues.values()) {
      for (const item of q) {
        const s = out.get(item.channelId) ?? { depth: 0, oldestMs: null };
        const at = Date.parse(item.createdAt);
        s.depth++;
        s.oldestMs = s.oldestMs === null ? at : Math.min(s.oldestMs, at);
        out.set(item.channelId, s);
      }
    }
    return out;
  }

  get depth(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  /** Coalesces many completions into one pass over the queues. */
  private kick(): void {
    if (!this.running || this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pacer(channelId: string): ChannelPacer {
    let p = this.pacers.get(channelId);
    if (!p) {
      p = new ChannelPacer(this.limits(channelId));
      this.pacers.set(channelId, p);
    }
    return p;
  }

  private pump(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let soonest = Infinity;
    const now = Date.now();
    for (const [conversationId, q] of this.queues) {
      if (this.inFlight.size >= this.cfg.concurrency) break;
      const item = q[0];
      if (!item) {
        this.queues.delete(conversationId);
        continue;
      }
      if (this.inFlight.has(conversationId)) continue;
      const wait = Math.max(item.nextAt - now, this.pacer(item.channelId).waitMs(item.to, now));
      if (wait > 0) {
        soonest = Math.min(soonest, wait);
        continue;
      }
      this.pacer(item.channelId).take(item.to, now);
      const p = this.dispatch(item).finally(() => {
        this.inFlight.delete(conversationId);
        this.kick();
      });
      this.inFlight.set(conversationId, p);
    }
    if (soonest < Infinity) {
      this.timer = setTimeout(() => this.pump(), Math.max(1, soonest));
      this.timer.unref();
    }
  }

  private async dispatch(item: OutboxItem): Promise<void> {
    const bridge = this.bridges.get(item.channelId);
    let outcome: SendOutcome;
    if (!bridge) outcome = { ok: false, retry: true, reason: `channel ${item.channelId} is not running` };
    else {
      try {
        outcome = await bridge.send(item, this.abort.signal, (externalId) => this.partSent(item, externalId));
      } catch (err) {
        outcome = transient(err);
      }
    }
    // Stopping: leave the item as stored; it goes out after the restart.
    if (!this.running) return;
    try {
      await this.settle(item, outcome);
    } catch (err) {
      // The store refused the bookkeeping (disk full): try the whole item again later.
      this.logger.error({ err, channel: item.channelId }, 'outbox could not record a send outcome');
      item.nextAt = Date.now() + this.cfg.baseDelayMs;
    }
  }

  /** One part of a several-part reply is with the provider: recorded before the next is sent, so a retry or restart skips it. */
  private async partSent(item: OutboxItem, externalId: string): Promise<void> {
    const sentParts = [...(item.sentParts ?? []), externalId];
    await this.store.write(() => this.db.putSync(['item', item.seq], { ...item, sentParts }));
    item.sentParts = sentParts;
  }

  private async settle(item: OutboxItem, outcome: SendOutcome): Promise<void> {
    const channel = item.channelId;
    const ref = { clientId: item.clientId, conversationId: item.conversationId, position: item.position };
    if (outcome.ok) {
      const bridge = this.bridges.get(channel);
      // Every part's id finds the one history event, so a receipt for any part moves it on.
      const ids = [...new Set([...(item.sentParts ?? []), outcome.externalId])];
      const live = await this.store.write(() => {
        this.db.removeSync(['item', item.seq]);
        let later: 'read' | null = null;
        for (const id of ids) {
          this.ingest.rememberInTxn(channel, id, ref);
          later = bridge?.sentInTxn?.(item, id) ?? later;
        }
        const sent = this.ingest.statusInTxn(channel, ids[0]!, 'sent', undefined, ref);
        const known = later ? this.ingest.statusInTxn(channel, ids[0]!, later, undefined, ref) : null;
        return [sent, known];
      });
      for (const e of live) if (e) this.live.publish(e);
      this.done(item, null);
      this.metrics.messages.inc({ channel, direction: 'out' });
      this.bridges.get(channel)?.committed?.(item);
      return;
    }
    const age = Date.now() - Date.parse(item.createdAt);
    if (!outcome.retry || age > this.cfg.giveUpAfterSeconds * 1000) {
      const parts = item.sentParts?.length ? ` (after ${item.sentParts.length} part(s) had been sent)` : '';
      const reason = (outcome.retry ? `gave up after ${item.attempts + 1} attempts: ${outcome.reason}` : outcome.reason) + parts;
      const live = await this.store.write(() => {
        this.db.removeSync(['item', item.seq]);
        return this.ingest.statusInTxn(channel, '', 'failed', reason, ref);
      });
      this.done(item, live);
      this.metrics.failures.inc({ channel, direction: 'out', reason: outcome.retry ? 'gave_up' : 'permanent' });
      this.logger.warn({ channel, attempts: item.attempts + 1, reason }, 'reply failed');
      return;
    }
    const attempts = item.attempts + 1;
    const backoff = Math.min(this.cfg.maxDelayMs, this.cfg.baseDelayMs * 2 ** Math.min(30, attempts - 1));
    // Jitter spreads a restart's retries; the provider's own retry_after is honoured as given.
    const delay = outcome.afterMs ?? Math.round(backoff * (0.8 + Math.random() * 0.4));
    if (outcome.afterMs !== undefined) this.pacer(channel).pause(outcome.scope ?? 'channel', item.to, outcome.afterMs);
    const next: OutboxItem = { ...item, attempts, nextAt: Date.now() + delay, lastError: outcome.reason.slice(0, 300) };
    await this.store.write(() => this.db.putSync(['item', item.seq], next));
    Object.assign(item, next);
    this.metrics.failures.inc({ channel, direction: 'out', reason: 'retry' });
    this.logger.info({ channel, attempts, delayMs: delay, reason: next.lastError }, 'reply will be retried');
  }

  private done(item: OutboxItem, live: LiveEvent | null): void {
    const q = this.queues.get(item.conversationId);
    if (q && q[0]?.seq === item.seq) q.shift();
    if (q && q.length === 0) this.queues.delete(item.conversationId);
    if (live) this.live.publish(live);
  }
}
