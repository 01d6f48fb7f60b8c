import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { Conversation } from './types.js';
import type { HistoryEvent } from '../history/events.js';

/**
 * How far each person has read each conversation, for unread counts. Kept in
 * the desk's database (`['seen', username, conversationId]` -> ISO time) so
 * every process and every browser of that person agrees. A mark only moves
 * forward, and never past the present.
 */
export class ReadMarks {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db<string, Key>('desk');
  }

  seenAt(username: string, conversationId: string): string | null {
    return this.db.get(['seen', username.toLowerCase(), conversationId]) ?? null;
  }

  /** Marks the conversation read up to `at` (default now); returns the mark as it stands after. */
  async markSeen(username: string, conversationId: string, at?: string): Promise<string> {
    const now = new Date().toISOString();
    let upTo = now;
    if (at !== undefined) {
      if (Number.isNaN(Date.parse(at))) throw new SwitchboardError('SWB_ERR_VALIDATION', `seen time ${JSON.stringify(at)} is not an ISO date`, { field: 'at' });
      const iso = new Date(at).toISOString();
      upTo = iso < now ? iso : now;
    }
    const key = ['seen', username.toLowerCase(), conversationId];
    return this.store.write(() => {
      const cur = this.db.get(key);
      if (cur && cur >= upTo) return cur;
      this.db.putSync(key, upTo);
      return upTo;
    });
  }
}

/** From when a client message counts as unread for someone: after any reply on the conversation, and after their last view. */
export function unreadSince(conv: Conversation, seenAt: string | null): string {
  return [conv.lastOutboundAt, seenAt].reduce<string>((a, b) => (b && b > a ? b : a), '');
}

/**
 * Client messages of `conv` after `since` among `events` (a client's history,
 * newest first). `complete` is false when the events ran out before reaching
 * `since` while `more` says there are older ones: the count is then a floor.
 */
export function countUnread(events: readonly HistoryEvent[], conv: Conversation, since: string, more: boolean): { count: number; complete: boolean } {
  let count = 0;
  for (const e of events) {
    if (e.at <= since) return { count, complete: true };
    if (e.kind === 'message' && e.direction === 'in' && e.conversationId === conv.id) count++;
  }
  return { count, complete: !more };
}
