import { createHash, randomUUID } from 'node:crypto';
import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../../domain/store/store.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { ConversationService } from '../../domain/conversations/conversations.js';
import type { HistoryService } from '../../domain/history/history.js';
import type { Attachment, HistoryEvent, MessagePayload } from '../../domain/history/events.js';
import type { Principal } from '../../domain/access/roles.js';
import type { Desk } from '../../domain/conversations/desk.js';
import type { Outbox } from '../outbox/outbox.js';
import type { AttachmentStore } from './attachments.js';
import type { Bridge, OutboxItem } from './bridge.js';
import type { LiveBus } from './live.js';

export interface ReplyInput {
  text: string;
  attachments?: Array<{ name: string; mime: string; data: string }>;
}

export interface ReplyResult {
  event: HistoryEvent;
  outboxId: string;
}

interface Remembered {
  requestHash: string;
  result: ReplyResult;
  at: number;
}

/** How long an Idempotency-Key is remembered: far longer than any client's retry loop. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/**
 * An operator's reply: appended to history as `queued` and put in the outbox in
 * one commit, so the 202 the operator sees means the reply will go out. An
 * Idempotency-Key makes a retried request (a flaky network, a double click)
 * return the first result instead of queueing a second message.
 */
export class Replies {
  constructor(
    private readonly store: Store,
    private readonly clients: ClientService,
    private readonly conversations: ConversationService,
    private readonly history: HistoryService,
    private readonly desk: Desk,
    private readonly outbox: Outbox,
    private readonly attachments: AttachmentStore,
    private readonly live: LiveBus,
    private readonly bridges: Map<string, Bridge>,
  ) {}

  private get db() {
    return this.store.db<Remembered, Key>('outbox');
  }

  async send(conversationId: string, input: ReplyInput, who: Principal, idempotencyKey?: string): Promise<{ replayed: boolean; result: ReplyResult }> {
    const requestHash = createHash('sha256').update(JSON.stringify([conversationId, input.text, input.attachments ?? []])).digest('hex');
    const idemKey = idempotencyKey ? ['idem', `${who.kind}:${who.id}`, idempotencyKey] : null;
    const earlier = idemKey ? this.replay(idemKey, requestHash) : null;
    if (earlier) return { replayed: true, result: earlier };

    const conv = this.conversations.require(conversationId);
    const bridge = conv.channelId ? this.bridges.get(conv.channelId) : undefined;
    if (!bridge) throw new SwitchboardError('SWB_ERR_CHANNEL_UNAVAILABLE', conv.channelId ? `channel ${conv.channelId} is not configured` : 'this conversation has no messenger channel');
    const client = this.clients.require(conv.clientId);
    const to = client.identities.find((i) => i.kind === bridge.identityKind)?.value;
    if (!to) throw new SwitchboardError('SWB_ERR_CHANNEL_UNAVAILABLE', `the client has no ${bridge.identityKind} identity to reply to`);
    // Files go to disk (fsynced) before the commit that links them.
    const files: Attachment[] = [];
    for (const a of input.attachments ?? []) {
      const data = Buffer.from(a.data, 'base64');
      if (data.length > this.attachments.maxBytes) throw new SwitchboardError('SWB_ERR_PAYLOAD_TOO_LARGE', `attachment ${a.name} is over ${this.attachments.maxBytes} bytes`);
      files.push(await this.attachments.save(data, a.mime, a.name));
    }

    const outcome = await this.store.write(() => {
      // Checked again under the write lock: the first of two racing retries wins.
      const raced = idemKey ? this.replay(idemKey, requestHash) : null;
      if (raced) return { replayed: true, result: raced, item: null };
      const now = new Date().toISOString();
      const responseSeconds = this.desk.responseInTxn(conv.id, now);
      const payload: MessagePayload = { text: input.text, attachments: files, externalId: null, status: 'queued' };
      if (responseSeconds !== undefined) payload.responseSeconds = responseSeconds;
      const { event, position } = this.history.appendPositionedInTxn({
        kind: 'message',
        clientId: client.id,
        conversationId: conv.id,
        channel: bridge.id,
        direction: 'out',
        actor: { type: 'user', id: who.id },
        at: now,
        payload,
      });
      const item = this.outbox.putInTxn({ id: randomUUID(), channelId: bridge.id, conversationId: conv.id, clientId: client.id, to, text: input.text, attachments: files, eventId: event.id, position });
      const result: ReplyResult = { event, outboxId: item.id };
      if (idemKey) this.db.putSync(idemKey, { requestHash, result, at: Date.now() });
      return { replayed: false, result, item };
    });
    if (outcome.item) {
      this.outbox.schedule(outcome.item as OutboxItem);
      this.live.publish({ type: 'message', conversationId: conv.id, event: outcome.result.event });
    }
    return { replayed: outcome.replayed, result: outcome.result };
  }

  private replay(key: Key, requestHash: string): ReplyResult | null {
    const hit = this.db.get(key);
    if (!hit || Date.now() - hit.at > IDEMPOTENCY_TTL_MS) return null;
    if (hit.requestHash !== requestHash) throw new SwitchboardError('SWB_ERR_CONFLICT', 'this Idempotency-Key was used for a different request');
    return hit.result;
  }

  /** Forget expired keys. */
  async sweep(): Promise<number> {
    const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
    const old = [...this.db.getRange({ start: ['idem'], end: ['idem', '\uffff'] })].filter((e) => e.value.at < cutoff).map((e) => e.key);
    if (old.length) await this.store.write(() => old.forEach((k) => this.db.removeSync(k)));
    return old.length;
  }
}
