import type { Key } from 'lmdb';
import type { Store } from '../../domain/store/store.js';
import type { Ingest } from '../core/ingest.js';
import type { ReadReceipt } from './normalize.js';

/** Unread replies remembered per dialog; past this the oldest stay `sent` rather than grow the index without bound. */
export const MAX_UNREAD_PER_PEER = 1000;

/**
 * VK says "read up to message N in this dialog" (message_read), never which
 * messages: this keeps the ids of our replies not yet read, per peer, beside the
 * provider-id refs in the 'channels' db, and drops them once read. Each peer's
 * highest read id is kept too, so a reply whose `sent` commits after the receipt
 * (VK was quicker than our fsync) is read at once, and a late, lower receipt
 * changes nothing.
 */
export class VkReadIndex {
  constructor(
    private readonly store: Store,
    private readonly ingest: Ingest,
    private readonly channelId: string,
  ) {}

  private get db() {
    return this.store.db<number, Key>('channels');
  }

  private range(peerId: number, below: number) {
    return { start: ['vk-out', this.channelId, peerId, 0], end: ['vk-out', this.channelId, peerId, below] };
  }

  /** Only inside store.write(), from the outbox's `sent` commit: 'read' when the peer had already read up to it. */
  sentInTxn(externalId: string): 'read' | null {
    const m = /^(\d+):(\d+)$/.exec(externalId);
    if (!m) return null;
    const peerId = Number(m[1]);
    const messageId = Number(m[2]);
    if (messageId <= (this.db.get(['vk-read', this.channelId, peerId]) ?? 0)) return 'read';
    this.db.putSync(['vk-out', this.channelId, peerId, messageId], Date.now());
    if (this.db.getKeysCount(this.range(peerId, Infinity)) > MAX_UNREAD_PER_PEER) {
      for (const key of this.db.getKeys({ ...this.range(peerId, Infinity), limit: 1 })) this.db.removeSync(key);
    }
    return null;
  }

  /** Marks our replies up to each receipt's id `read` (publishing the changes) and forgets them; returns how many changed. */
  async read(receipts: ReadReceipt[]): Promise<number> {
    if (receipts.length === 0) return 0;
    return this.ingest.statusesInWrite(this.channelId, 'read', () => {
      const ids: string[] = [];
      for (const { peerId, upTo } of receipts) {
        const mark = ['vk-read', this.channelId, peerId];
        if (upTo > (this.db.get(mark) ?? 0)) this.db.putSync(mark, upTo);
        for (const key of [...this.db.getKeys(this.range(peerId, upTo + 1))]) {
          ids.push(`${peerId}:${(key as unknown[])[3] as number}`);
          this.db.removeSync(key);
        }
      }
      return ids;
    });
  }
}
