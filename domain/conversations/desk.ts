import type { Key } from 'lmdb';
import type { Store } from '../store/store.js';
import type { UserService } from '../access/users.js';
import type { Conversation, ConversationService } from './conversations.js';
import { SwitchboardError } from '../../common/errors.js';

const SYSTEM = { actor: 'system', source: 'round-robin' };

/**
 * The desk's working state: who is online, automatic assignment, tags and
 * response times. Presence and the round-robin pointer live in the `desk`
 * database so every process agrees on them.
 */
export class Desk {
  constructor(
    private readonly store: Store,
    private readonly users: UserService,
    private readonly conversations: ConversationService,
  ) {}

  private get db() {
    return this.store.db<unknown, Key>('desk');
  }

  async setOnline(username: string, online: boolean): Promise<{ username: string; online: boolean }> {
    const user = this.users.require(username);
    await this.store.write(() => {
      if (online) this.db.putSync(['online', user.username], new Date().toISOString());
      else this.db.removeSync(['online', user.username]);
    });
    return { username: user.username, online };
  }

  online(): string[] {
    return [...this.db.getKeys({ start: ['online'], end: ['online', '\uffff'] })].map((k) => (k as [string, string])[1]);
  }

  /**
   * Only inside store.write(): a new conversation in a department goes to the next
   * online operator of that department after the one who got the last, so work is
   * spread evenly. No one online leaves it in the department queue.
   */
  autoAssignInTxn(conv: Conversation): Conversation {
    if (conv.assignee !== null || conv.department === null) return conv;
    const candidates = this.online()
      .map((u) => this.users.get(u))
      .filter((u) => u && !u.disabled && u.role === 'operator' && u.department === conv.department)
      .map((u) => u!.username)
      .sort();
    if (candidates.length === 0) return conv;
    const last = this.db.get(['rr', conv.department]) as string | undefined;
    const next = candidates.find((u) => last === undefined || u > last) ?? candidates[0]!;
    this.db.putSync(['rr', conv.department], next);
    return this.conversations.assignInTxn(conv.id, { assignee: next }, SYSTEM);
  }

  /**
   * Only inside store.write(), with `conv` as read in that transaction: a client message. Records lastInboundAt (what
   * ConversationService.recordInboundInTxn does) and starts the response clock
   * unless one is already running, in one write of the record.
   */
  inboundInTxn(conv: Conversation, at: string): void {
    const lastInboundAt = conv.lastInboundAt !== null && conv.lastInboundAt > at ? conv.lastInboundAt : at;
    this.conversations.updateInTxn(conv.id, conv.awaitingSince ? { lastInboundAt } : { lastInboundAt, awaitingSince: at }, conv);
  }

  /** Only inside store.write(): a reply stops the clock; returns the seconds it ran, or undefined when nothing was awaiting. */
  responseInTxn(conversationId: string, at: string): number | undefined {
    const conv = this.conversations.recordResponseInTxn(conversationId, at);
    if (!conv.awaitingSince) return undefined;
    const seconds = Math.max(0, (Date.parse(at) - Date.parse(conv.awaitingSince)) / 1000);
    const r = conv.responses ?? { count: 0, totalSeconds: 0, maxSeconds: 0 };
    this.conversations.updateInTxn(conversationId, {
      awaitingSince: null,
      responses: { count: r.count + 1, totalSeconds: r.totalSeconds + seconds, maxSeconds: Math.max(r.maxSeconds, seconds) },
    });
    return seconds;
  }

  async setTags(conversationId: string, tags: string[]): Promise<Conversation> {
    const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
    if (clean.some((t) => t.length > 64 || /[\u0000-\u001f\u007f]/.test(t))) throw new SwitchboardError('SWB_ERR_VALIDATION', 'a tag is 1 to 64 printable characters', { field: 'tags' });
    return this.store.write(() => this.conversations.updateInTxn(conversationId, { tags: clean }));
  }
}
