import type { Appliance } from '../../appliance/app.js';
import type { Conversation } from '../../domain/conversations/conversations.js';

const SEED = { actor: 'test', source: 'test' };

/**
 * `n` clients, each with one open conversation and one client message, in
 * commits of a thousand (a desk of 10,000 in seconds, through the same domain
 * calls a channel makes). Names are `${prefix} ${i}` with i zero-padded.
 */
export async function seedDesk(app: Appliance, n: number, opts: { prefix?: string; department?: string | null; assignee?: string | null; channel?: string | null } = {}): Promise<Conversation[]> {
  const prefix = opts.prefix ?? 'Client';
  const width = String(n - 1).length;
  const out: Conversation[] = [];
  const base = Date.now() - n * 1000;
  for (let from = 0; from < n; from += 1000) {
    await app.store.write(() => {
      for (let i = from; i < Math.min(n, from + 1000); i++) {
        const name = `${prefix} ${String(i).padStart(width, '0')}`;
        const client = app.clients.resolveOrCreateInTxn('webchat', `${prefix.toLowerCase().replace(/\W+/g, '-')}-${i}`, name, SEED);
        let conv = app.conversations.openInTxn({ clientId: client.id, channelId: opts.channel ?? null, department: opts.department ?? null }, SEED);
        if (opts.assignee) conv = app.conversations.assignInTxn(conv.id, { assignee: opts.assignee }, SEED);
        const at = new Date(base + i * 1000).toISOString();
        app.history.appendInTxn({ kind: 'message', clientId: client.id, conversationId: conv.id, channel: conv.channelId, direction: 'in', actor: { type: 'client', id: client.id }, at, payload: { text: `question ${i}`, attachments: [], externalId: null, status: 'received' } });
        app.gateway.desk.inboundInTxn(conv, at);
        out.push(app.conversations.require(conv.id));
      }
    });
  }
  return out;
}

/** A client message in `conv` now (or at `at`), committed and on the live stream, as a channel would. */
export async function clientSays(app: Appliance, conv: Conversation, text: string, at = new Date().toISOString()): Promise<void> {
  const event = await app.store.write(() => {
    const e = app.history.appendInTxn({ kind: 'message', clientId: conv.clientId, conversationId: conv.id, channel: conv.channelId, direction: 'in', actor: { type: 'client', id: conv.clientId }, at, payload: { text, attachments: [], externalId: null, status: 'received' } });
    app.gateway.desk.inboundInTxn(app.conversations.require(conv.id), at);
    return e;
  });
  app.gateway.live.publish({ type: 'message', conversationId: conv.id, event });
}

/** A reply in `conv` as the outbox records one once sent (no provider involved). */
export async function weReply(app: Appliance, conv: Conversation, text: string, by: string, at = new Date().toISOString()): Promise<void> {
  await app.store.write(() => {
    app.history.appendInTxn({ kind: 'message', clientId: conv.clientId, conversationId: conv.id, channel: conv.channelId, direction: 'out', actor: { type: 'user', id: by }, at, payload: { text, attachments: [], externalId: null, status: 'sent' } });
    app.gateway.desk.responseInTxn(conv.id, at);
  });
}
