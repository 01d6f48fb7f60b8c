import { randomUUID } from 'node:crypto';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ActionContext } from '../access/users.js';
import type { HistoryService } from '../history/history.js';
import { actorFromContext } from '../history/events.js';
import { checkFields, checkIdentities, checkName, checkTags, nameFromHint, nameTokens, sameIdentity, type ClientCard, type ClientInput } from './card.js';
import { toE164, type NumberingPlan } from './numbering.js';
import { identityReadings, isIdentityKind, normalizeIdentity, type Identity } from './identity.js';
import { ClientRecords } from './records.js';
import { deleteClientInTxn, mergeClientsInTxn } from './merge.js';

import type { ClientDependent } from './merge.js';
export type { ClientDependent };

export interface ClientPatch {
  name?: string;
  tags?: string[];
  /** Replaces the whole set: the caller sends what the card should hold. */
  fields?: Record<string, string>;
}

type CleanInput = Pick<ClientCard, 'name' | 'identities' | 'tags' | 'fields'>;

const MAX_SEARCH = 200;

export class ClientService {
  private readonly records: ClientRecords;
  private readonly dependents: ClientDependent[] = [];

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly history: HistoryService,
    /** How the firm's people write local numbers (89123456789): search reads a query that way too. */
    private readonly numbering: NumberingPlan | null = null,
  ) {
    this.records = new ClientRecords(store);
  }

  addDependent(dependent: ClientDependent): void {
    if (!this.dependents.includes(dependent)) this.dependents.push(dependent);
  }

  /**
   * The surviving card: an id that was merged away resolves to the card that
   * absorbed it, so old links keep working (a returned id different from the one
   * asked for means it was merged; getRecord shows the left-behind card).
   */
  get(id: string): ClientCard | undefined {
    return this.records.live(id);
  }

  /** The card stored under exactly this id, including a merged-away one with mergedInto set. */
  getRecord(id: string): ClientCard | undefined {
    return this.records.raw(id);
  }

  require(id: string): ClientCard {
    const card = this.get(id);
    if (!card) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `client ${id}`);
    return card;
  }

  async create(input: ClientInput, ctx: ActionContext): Promise<ClientCard> {
    const clean: CleanInput = {
      name: checkName(input.name),
      identities: checkIdentities(input.identities ?? []),
      tags: checkTags(input.tags ?? []),
      fields: checkFields(input.fields ?? {}),
    };
    return this.store.write(() => this.insertInTxn(clean, ctx, {}));
  }

  /**
   * The lookup a channel makes for every call and message. A value that cannot be
   * of that kind ("anonymous" caller ID) matches no one rather than failing the call.
   */
  findByIdentity(kind: string, value: string): ClientCard | undefined {
    let identity: Identity;
    try {
      identity = normalizeIdentity(kind, value);
    } catch (err) {
      if (!isIdentityKind(kind)) throw err;
      return undefined;
    }
    const owner = this.records.ownerOf(identity);
    return owner === undefined ? undefined : this.records.live(owner);
  }

  /** A new sender becomes a new client; look-up and creation share one transaction, so two first messages make one card. */
  async resolveOrCreate(kind: string, value: string, nameHint: string | null, ctx: ActionContext): Promise<ClientCard> {
    const identity = normalizeIdentity(kind, value);
    return this.store.write(() => this.resolveOrCreateInTxn(identity.kind, identity.value, nameHint, ctx));
  }

  /** Only inside store.write(), for a channel that also records the message in the same commit. */
  resolveOrCreateInTxn(kind: string, value: string, nameHint: string | null, ctx: ActionContext): ClientCard {
    const identity = normalizeIdentity(kind, value);
    const owner = this.records.ownerOf(identity);
    if (owner !== undefined) {
      const card = this.records.live(owner);
      if (card) return card;
      // The owner is gone (an interrupted older version); free the identity rather than refuse the sender forever.
      this.records.release(identity, owner);
    }
    const clean: CleanInput = { name: nameFromHint(nameHint, identity.value), identities: [identity], tags: [], fields: {} };
    return this.insertInTxn(clean, ctx, { via: identity.kind });
  }

  /**
   * An exact identity (a query is tried as every kind, so "+1 (415) 555-0100"
   * finds the phone) first, then names where every query word starts a name word.
   */
  search(q: string, limit = 20): ClientCard[] {
    if (typeof q !== 'string' || q.trim().length === 0) throw new SwitchboardError('SWB_ERR_VALIDATION', 'search text is empty', { field: 'q' });
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH) {
      throw new SwitchboardError('SWB_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_SEARCH}`, { field: 'limit' });
    }
    const found = new Map<string, ClientCard>();
    const local = this.numbering ? toE164(q, this.numbering) : null;
    for (const identity of local ? [...identityReadings(q), { kind: 'phone' as const, value: local }] : identityReadings(q)) {
      const owner = this.records.ownerOf(identity);
      const card = owner === undefined ? undefined : this.records.live(owner);
      if (card) found.set(card.id, card);
    }
    // Scan the longest word's range: it is the most selective; the other words filter.
    const words = nameTokens(q).sort((a, b) => b.length - a.length);
    const [first, ...rest] = words;
    if (first === undefined) return [...found.values()].slice(0, limit);
    const rejected = new Set<string>();
    for (const id of this.records.idsByNamePrefix(first)) {
      if (found.size >= limit) break;
      if (found.has(id) || rejected.has(id)) continue;
      const card = this.records.raw(id);
      const tokens = card ? nameTokens(card.name) : [];
      if (card && !card.mergedInto && rest.every((w) => tokens.some((t) => t.startsWith(w)))) found.set(id, card);
      else rejected.add(id);
    }
    return [...found.values()].slice(0, limit);
  }

  async update(id: string, patch: ClientPatch, ctx: ActionContext): Promise<ClientCard> {
    const clean: Partial<CleanInput> = {};
    if (patch.name !== undefined) clean.name = checkName(patch.name);
    if (patch.tags !== undefined) clean.tags = checkTags(patch.tags);
    if (patch.fields !== undefined) clean.fields = checkFields(patch.fields);
    return this.store.write(() => {
      const cur = this.editable(id);
      const next: ClientCard = { ...cur, ...clean, updatedAt: new Date().toISOString() };
      this.records.put(next, cur);
      const changed = (Object.keys(clean) as Array<keyof CleanInput>).filter((k) => JSON.stringify(cur[k]) !== JSON.stringify(next[k]));
      if (clean.tags) this.tagEventInTxn(cur.id, cur.tags, next.tags, ctx);
      // Names of what changed, never values: the audit log cannot be erased, a client's data must be.
      this.audit.append({ ...ctx, action: 'client.update', target: `client:${cur.id}`, details: { changed } });
      return next;
    });
  }

  async addIdentity(id: string, identity: { kind: string; value: string }, ctx: ActionContext): Promise<ClientCard> {
    const clean = normalizeIdentity(identity.kind, identity.value);
    return this.store.write(() => {
      const cur = this.editable(id);
      if (cur.identities.some((i) => sameIdentity(i, clean))) return cur;
      this.records.claim(clean, cur.id);
      const next: ClientCard = { ...cur, identities: [...cur.identities, clean], updatedAt: new Date().toISOString() };
      this.records.put(next, cur);
      this.audit.append({ ...ctx, action: 'client.update', target: `client:${cur.id}`, details: { identityAdded: clean.kind } });
      return next;
    });
  }

  async removeIdentity(id: string, identity: { kind: string; value: string }, ctx: ActionContext): Promise<ClientCard> {
    const clean = normalizeIdentity(identity.kind, identity.value);
    return this.store.write(() => {
      const cur = this.editable(id);
      if (!cur.identities.some((i) => sameIdentity(i, clean))) {
        throw new SwitchboardError('SWB_ERR_NOT_FOUND', `client ${cur.id} has no ${clean.kind} ${clean.value}`);
      }
      this.records.release(clean, cur.id);
      const next: ClientCard = { ...cur, identities: cur.identities.filter((i) => !sameIdentity(i, clean)), updatedAt: new Date().toISOString() };
      this.records.put(next, cur);
      this.audit.append({ ...ctx, action: 'client.update', target: `client:${cur.id}`, details: { identityRemoved: clean.kind } });
      return next;
    });
  }

  /** Source's identities, history and dependents move to target; source is left as a pointer. One commit. */
  async merge(targetId: string, sourceId: string, ctx: ActionContext): Promise<ClientCard> {
    if (targetId === sourceId) throw new SwitchboardError('SWB_ERR_VALIDATION', 'a client cannot be merged into itself');
    return this.store.write(() => {
      const target = this.editable(targetId);
      const source = this.editable(sourceId);
      const merged = mergeClientsInTxn(this.internals(), target, source);
      this.tagEventInTxn(target.id, target.tags, merged.card.tags, ctx);
      this.audit.append({ ...ctx, action: 'client.merge', target: `client:${target.id}`, details: { source: source.id, ...merged.stats } });
      return merged.card;
    });
  }

  /** Erases the client: card, identities, name index, history, dependents and cards merged into it. */
  async delete(id: string, ctx: ActionContext): Promise<void> {
    await this.store.write(() => {
      const card = this.editable(id);
      const stats = deleteClientInTxn(this.internals(), card);
      this.audit.append({ ...ctx, action: 'client.delete', target: `client:${card.id}`, details: stats });
    });
  }

  private insertInTxn(clean: CleanInput, ctx: ActionContext, details: Record<string, unknown>): ClientCard {
    const now = new Date().toISOString();
    const card: ClientCard = { id: randomUUID(), ...clean, createdAt: now, updatedAt: now };
    for (const identity of card.identities) this.records.claim(identity, card.id);
    this.records.put(card);
    this.audit.append({ ...ctx, action: 'client.create', target: `client:${card.id}`, details: { identityKinds: card.identities.map((i) => i.kind), ...details } });
    return card;
  }

  private tagEventInTxn(clientId: string, before: string[], after: string[], ctx: ActionContext): void {
    const added = after.filter((t) => !before.includes(t));
    const removed = before.filter((t) => !after.includes(t));
    if (added.length === 0 && removed.length === 0) return;
    this.history.appendInTxn({ kind: 'tag', clientId, direction: 'internal', actor: actorFromContext(ctx), payload: { added, removed } });
  }

  /**
   * A card that can be changed: present and not merged away. Following a merge
   * here would silently edit, merge or delete a different card than the caller named.
   */
  private editable(id: string): ClientCard {
    const card = this.records.raw(id);
    if (!card) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `client ${id}`);
    if (card.mergedInto) {
      throw new SwitchboardError('SWB_ERR_CONFLICT', `client ${id} was merged into ${card.mergedInto}`, { mergedInto: card.mergedInto });
    }
    return card;
  }

  private internals() {
    return { records: this.records, history: this.history, dependents: this.dependents };
  }
}
