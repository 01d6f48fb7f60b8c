import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import { nameTokens, type ClientCard } from './card.js';
import { identityKey, type Identity } from './identity.js';

/**
 * The three client databases and the invariants that tie them together: a card's
 * identities are exactly the `identities` keys pointing at it, and its name
 * tokens are exactly its `clientNames` keys. Every write to a card goes through
 * here so the indexes cannot drift. Writes only inside store.write().
 */
export class ClientRecords {
  constructor(private readonly store: Store) {}

  private get cards() {
    return this.store.db<ClientCard, string>('clients');
  }
  private get identities() {
    return this.store.db<string, string>('identities');
  }
  /** Key [token, clientId]: the tokens sort together, so a prefix is one range. */
  private get names() {
    return this.store.db<true, Key>('clientNames');
  }

  raw(id: string): ClientCard | undefined {
    return typeof id === 'string' && id.length > 0 ? this.cards.get(id) : undefined;
  }

  /** The surviving card for an id, following merges; a bounded walk, in case of an old or broken chain. */
  live(id: string): ClientCard | undefined {
    let card = this.raw(id);
    for (let hops = 0; card?.mergedInto && hops < 16; hops++) card = this.raw(card.mergedInto);
    return card?.mergedInto ? undefined : card;
  }

  ownerOf(identity: Identity): string | undefined {
    return this.identities.get(identityKey(identity));
  }

  /** Point an identity at a client; someone else's identity is refused, not stolen. */
  claim(identity: Identity, clientId: string): void {
    const owner = this.ownerOf(identity);
    if (owner !== undefined && owner !== clientId) {
      throw new SwitchboardError('SWB_ERR_IDENTITY_TAKEN', `${identity.kind} ${identity.value} belongs to client ${owner}`, {
        kind: identity.kind,
        value: identity.value,
        clientId: owner,
      });
    }
    this.identities.putSync(identityKey(identity), clientId);
  }

  /** Hand an identity over during a merge, where taking it from the source is the point. */
  reassign(identity: Identity, clientId: string): void {
    this.identities.putSync(identityKey(identity), clientId);
  }

  release(identity: Identity, clientId: string): void {
    if (this.ownerOf(identity) === clientId) this.identities.removeSync(identityKey(identity));
  }

  /** Write a card and bring the name index in line with it (only tokens that changed are touched). */
  put(next: ClientCard, prev?: ClientCard): void {
    const before = new Set(prev && !prev.mergedInto ? nameTokens(prev.name) : []);
    const after = new Set(next.mergedInto ? [] : nameTokens(next.name));
    for (const t of before) if (!after.has(t)) this.names.removeSync([t, next.id]);
    for (const t of after) if (!before.has(t)) this.names.putSync([t, next.id], true);
    this.cards.putSync(next.id, next);
  }

  remove(card: ClientCard): void {
    if (!card.mergedInto) for (const t of nameTokens(card.name)) this.names.removeSync([t, card.id]);
    this.cards.removeSync(card.id);
  }

  /** Ids whose name has a word starting with prefix, in token order; may repeat an id. */
  *idsByNamePrefix(prefix: string): Generator<string> {
    for (const key of this.names.getKeys({ start: [prefix] })) {
      const [token, id] = key as [string, string];
      if (!token.startsWith(prefix)) return;
      yield id;
    }
  }
}
