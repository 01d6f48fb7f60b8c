import type { Key } from 'lmdb';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';
import { normalizeIdentity, type IdentityKind } from '../../domain/clients/identity.js';

export interface Block {
  channelId: string;
  kind: IdentityKind;
  value: string;
  by: string;
  at: string;
  reason: string | null;
}

/**
 * Senders refused on one channel (a spammer flooding a bot). A blocked sender's
 * updates are acknowledged to the provider, so it stops redelivering them, and
 * stored nowhere. Blocking and unblocking are audited: they decide whose words
 * reach the firm.
 */
export class BlockList {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
  ) {}

  private get db() {
    return this.store.db<Block, Key>('channels');
  }

  isBlocked(channelId: string, kind: IdentityKind, value: string): boolean {
    return this.db.doesExist(['block', channelId, kind, value]);
  }

  list(channelId: string): Block[] {
    return [...this.db.getRange({ start: ['block', channelId], end: ['block', channelId, '\uffff'] })].map((e) => e.value);
  }

  async block(channelId: string, kind: IdentityKind, value: string, reason: string | null, ctx: ActionContext): Promise<Block> {
    const id = normalizeIdentity(kind, value);
    return this.store.write(() => {
      const block: Block = { channelId, kind: id.kind, value: id.value, by: ctx.actor, at: new Date().toISOString(), reason };
      this.db.putSync(['block', channelId, id.kind, id.value], block);
      // The audit names the channel and kind, never the handle: the log outlives a client's erasure.
      this.audit.append({ ...ctx, action: 'channel.block', target: `channel:${channelId}`, details: { kind: id.kind } });
      return block;
    });
  }

  async unblock(channelId: string, kind: IdentityKind, value: string, ctx: ActionContext): Promise<boolean> {
    const id = normalizeIdentity(kind, value);
    return this.store.write(() => {
      const key = ['block', channelId, id.kind, id.value];
      if (!this.db.doesExist(key)) return false;
      this.db.removeSync(key);
      this.audit.append({ ...ctx, action: 'channel.unblock', target: `channel:${channelId}`, details: { kind: id.kind } });
      return true;
    });
  }
}
