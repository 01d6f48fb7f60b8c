import { randomUUID } from 'node:crypto';
import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ActionContext } from '../access/users.js';
import type { Principal } from '../access/roles.js';
import type { ClientService, ClientDependent } from '../clients/clients.js';
import type { HistoryService } from '../history/history.js';
import { actorFromContext, type ConversationPayload } from '../history/events.js';
import type { Conversation, ConversationFilter, ConversationPatch } from './types.js';
import { canSee, standingWith, type ClientStanding } from './visibility.js';
import { checkAssignee, checkChannel, checkLabel, checkSubject, checkTime, later } from './checks.js';

export type { Conversation, ConversationFilter, ConversationPatch, ConversationStatus, ResponseTotals } from './types.js';

/**
 * One database, three key shapes (ordered-binary arrays, so each shape is its own range):
 *   ['conv', id]                       -> the record
 *   ['client', clientId, id]           -> true: a client's conversations, for merge, delete and list
 *   ['open', clientId, channelKey]     -> id: the one open conversation per client and channel,
 *                                         so an inbound message finds its thread with one get
 */
const REC = 'conv';
const BY_CLIENT = 'client';
const OPEN = 'open';
const END = '\uffff';
const MAX_LIST = 200;

const channelKey = (channelId: string | null): string => channelId ?? '';

export class ConversationService implements ClientDependent {
  private readonly listeners = new Set<(c: Conversation) => void>();

  constructor(
    private readonly store: Store,
    private readonly audit: AuditLog,
    private readonly history: HistoryService,
    private readonly clients: ClientService,
  ) {
    // Registered here, not by whoever wires services up, so a merge or delete can never forget conversations.
    clients.addDependent(this);
  }

  private get db() {
    return this.store.db<Conversation | string | true, Key>('conversations');
  }

  /** Told after each committed assign, close, reopen or opening by hand (the live stream tells open screens). */
  onChanged(fn: (c: Conversation) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(c: Conversation): Conversation {
    for (const fn of this.listeners) fn(c);
    return c;
  }

  get(id: string): Conversation | undefined {
    return typeof id === 'string' && id ? (this.db.get([REC, id]) as Conversation | undefined) : undefined;
  }

  require(id: string): Conversation {
    const c = this.get(id);
    if (!c) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `conversation ${id}`);
    return c;
  }

  async open(input: { clientId: string; channelId: string | null; department?: string | null; subject?: string }, ctx: ActionContext): Promise<Conversation> {
    return this.store.write(() => this.openInTxn(input, ctx));
  }

  /** Only inside store.write(). A second open conversation for the same client and channel is refused. */
  openInTxn(input: { clientId: string; channelId: string | null; department?: string | null; subject?: string }, ctx: ActionContext): Conversation {
    const client = this.clients.require(input.clientId);
    const channelId = checkChannel(input.channelId);
    const existing = this.db.get([OPEN, client.id, channelKey(channelId)]) as string | undefined;
    if (existing) throw new SwitchboardError('SWB_ERR_CONFLICT', `client ${client.id} already has open conversation ${existing} on this channel`, { conversationId: existing });
    const now = new Date().toISOString();
    const conv: Conversation = {
      id: randomUUID(),
      clientId: client.id,
      channelId,
      status: 'open',
      assignee: null,
      department: checkLabel(input.department ?? null, 'department'),
      tags: [],
      openedAt: now,
      closedAt: null,
      firstResponseAt: null,
      lastInboundAt: null,
      lastOutboundAt: null,
    };
    if (input.subject !== undefined) conv.subject = checkSubject(input.subject);
    this.putRecord(conv);
    this.event(conv, ctx, { action: 'open' });
    return conv;
  }

  /** How this principal stands to a client (merged-away ids resolve to the survivor). */
  standing(principal: Principal, clientId: string): ClientStanding {
    return standingWith(principal, this.scan(this.clients.get(clientId)?.id ?? clientId));
  }

  /**
   * A person opening a conversation by hand. An operator's opening must not become a way into
   * another team's client: it is allowed only for a client they already see or one nobody works
   * yet, only into their own department, and it is assigned to them in the same commit (otherwise
   * it would vanish from their own view). A clash with a conversation they cannot see names no id.
   */
  async openAs(principal: Principal, input: { clientId: string; channelId: string | null; department?: string | null; subject?: string }, ctx: ActionContext): Promise<Conversation> {
    return this.changed(await this.store.write(() => {
      if (principal.role !== 'operator') return this.openInTxn({ ...input, department: input.department ?? principal.department }, ctx);
      const client = this.clients.require(input.clientId);
      if (this.standing(principal, client.id) === 'hidden') {
        throw new SwitchboardError('SWB_ERR_FORBIDDEN', "operators open conversations only for clients they already work or that nobody works yet; ask a supervisor to route this client");
      }
      if (input.department != null && input.department !== principal.department) {
        throw new SwitchboardError('SWB_ERR_FORBIDDEN', 'operators open conversations into their own department only');
      }
      const existing = this.db.get([OPEN, client.id, channelKey(checkChannel(input.channelId))]) as string | undefined;
      const clash = existing ? this.get(existing) : undefined;
      if (clash && !canSee(principal, clash)) throw new SwitchboardError('SWB_ERR_CONFLICT', `client ${client.id} already has an open conversation on this channel`);
      const opened = this.openInTxn({ ...input, clientId: client.id, department: principal.department }, ctx);
      return principal.kind === 'user' ? this.assignInTxn(opened.id, { assignee: checkAssignee(principal.id) }, ctx) : opened;
    }));
  }

  /** For channels: the thread a message from this client on this channel belongs to. */
  async openOrContinue(clientId: string, channelId: string | null, ctx?: ActionContext): Promise<Conversation> {
    return this.store.write(() => this.openOrContinueInTxn(clientId, channelId, ctx));
  }

  /**
   * `department` only routes a conversation this call opens; a continued one keeps its own.
   * `client` is the live card when the caller has just read it in this transaction (saves a read
   * per message on a busy channel).
   */
  openOrContinueInTxn(clientId: string, channelId: string | null, ctx?: ActionContext, opts?: { department?: string | null; client?: { id: string } }): Conversation {
    const client = opts?.client?.id === clientId ? opts.client : this.clients.require(clientId);
    const id = this.db.get([OPEN, client.id, channelKey(checkChannel(channelId))]) as string | undefined;
    const current = id ? this.get(id) : undefined;
    if (current) return current;
    return this.openInTxn({ clientId: client.id, channelId, department: opts?.department ?? null }, ctx ?? { actor: 'system', source: channelId ?? 'system' });
  }

  /**
   * Only inside store.write(): fields that are not routing or status (tags, response
   * times). Status and client changes go through their own methods, which keep the indexes.
   */
  updateInTxn(id: string, patch: ConversationPatch, current?: Conversation): Conversation {
    // `current` only when the caller read it in this same transaction: nothing can have changed it since.
    const cur = current?.id === id ? current : this.require(id);
    const next: Conversation = { ...cur, ...patch, id: cur.id, clientId: cur.clientId, status: cur.status };
    this.db.putSync([REC, id], next);
    return next;
  }

  /**
   * Newest opened first. Scans the records (or one client's); the messaging work
   * will add an index by last activity when queues grow past what a scan serves.
   */
  list(filter: ConversationFilter, visibleTo?: Principal): Conversation[] {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_LIST) {
      throw new SwitchboardError('SWB_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_LIST}`, { field: 'limit' });
    }
    const matches = [...this.matching(filter, visibleTo)];
    matches.sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0));
    return matches.slice(0, filter.limit);
  }

  /** Every match, unordered and uncapped: for callers that order and page by something else (the inbox). */
  *matching(filter: Omit<ConversationFilter, 'limit'>, visibleTo?: Principal): Generator<Conversation> {
    // A merged-away id names the same person: list the survivor's conversations.
    const clientId = filter.clientId === undefined ? undefined : (this.clients.get(filter.clientId)?.id ?? filter.clientId);
    for (const c of this.scan(clientId)) {
      if (filter.status && c.status !== filter.status) continue;
      if (filter.assignee && c.assignee !== filter.assignee.toLowerCase()) continue;
      if (filter.department && c.department !== filter.department) continue;
      if (visibleTo && !canSee(visibleTo, c)) continue;
      yield c;
    }
  }

  /** list() through the role rule: what this principal is allowed to see. */
  visibleTo(principal: Principal, filter: ConversationFilter): Conversation[] {
    return this.list(filter, principal);
  }

  /** undefined leaves a side as it is; null clears it (back to the department queue, or to no one). */
  async assign(id: string, to: { assignee?: string | null; department?: string | null }, ctx: ActionContext): Promise<Conversation> {
    if (to.assignee === undefined && to.department === undefined) throw new SwitchboardError('SWB_ERR_VALIDATION', 'give an assignee, a department or both');
    const assignee = to.assignee === undefined ? undefined : checkAssignee(to.assignee);
    const department = to.department === undefined ? undefined : checkLabel(to.department, 'department');
    return this.changed(await this.store.write(() => this.assignInTxn(id, { assignee, department }, ctx)));
  }

  /** Only inside store.write(), with checked values (automatic assignment commits with the message that caused it). */
  assignInTxn(id: string, to: { assignee?: string | null; department?: string | null }, ctx: ActionContext): Conversation {
    const { assignee, department } = to;
    const cur = this.require(id);
    const next: Conversation = { ...cur, assignee: assignee === undefined ? cur.assignee : assignee, department: department === undefined ? cur.department : department };
    this.db.putSync([REC, id], next);
    this.history.appendInTxn({
      kind: 'assignment',
      clientId: cur.clientId,
      conversationId: cur.id,
      channel: cur.channelId,
      direction: 'internal',
      actor: actorFromContext(ctx),
      payload: { to: next.assignee, department: next.department, from: { assignee: cur.assignee, department: cur.department } },
    });
    // Audited as well as in the timeline: assignment decides who can read the conversation.
    this.audit.append({ ...ctx, action: 'conversation.assign', target: `conversation:${cur.id}`, details: { assignee: next.assignee, department: next.department } });
    return next;
  }

  async close(id: string, ctx: ActionContext, reason?: string): Promise<Conversation> {
    return this.changed(await this.store.write(() => {
      const cur = this.require(id);
      if (cur.status === 'closed') throw new SwitchboardError('SWB_ERR_CONFLICT', `conversation ${id} is already closed`);
      return this.closeInTxn(cur, ctx, reason);
    }));
  }

  async reopen(id: string, ctx: ActionContext): Promise<Conversation> {
    return this.changed(await this.store.write(() => {
      const cur = this.require(id);
      if (cur.status === 'open') throw new SwitchboardError('SWB_ERR_CONFLICT', `conversation ${id} is already open`);
      const other = this.db.get([OPEN, cur.clientId, channelKey(cur.channelId)]) as string | undefined;
      if (other) throw new SwitchboardError('SWB_ERR_CONFLICT', `client ${cur.clientId} already has open conversation ${other} on this channel`, { conversationId: other });
      const next: Conversation = { ...cur, status: 'open', closedAt: null };
      this.putRecord(next);
      this.event(next, ctx, { action: 'reopen' });
      return next;
    }));
  }

  async recordInbound(id: string, at?: string): Promise<Conversation> {
    return this.store.write(() => this.recordInboundInTxn(id, at));
  }

  recordInboundInTxn(id: string, at = new Date().toISOString()): Conversation {
    const cur = this.require(id);
    const next: Conversation = { ...cur, lastInboundAt: later(cur.lastInboundAt, checkTime(at)) };
    this.db.putSync([REC, id], next);
    return next;
  }

  /** An outbound reply; the first one fixes firstResponseAt for response-time reporting. */
  async recordResponse(id: string, at?: string): Promise<Conversation> {
    return this.store.write(() => this.recordResponseInTxn(id, at));
  }

  recordResponseInTxn(id: string, at = new Date().toISOString()): Conversation {
    const cur = this.require(id);
    const when = checkTime(at);
    const next: Conversation = { ...cur, firstResponseAt: cur.firstResponseAt ?? when, lastOutboundAt: later(cur.lastOutboundAt, when) };
    this.db.putSync([REC, id], next);
    return next;
  }

  /** ClientDependent: a merge moves the conversations; if both had one open on a channel, the source's is closed. */
  moveInTxn(fromClientId: string, toClientId: string): void {
    const ctx: ActionContext = { actor: 'system', source: 'merge' };
    for (const cur of [...this.scan(fromClientId)]) {
      this.removeIndexes(cur);
      const moved: Conversation = { ...cur, clientId: toClientId };
      const clash = moved.status === 'open' && this.db.get([OPEN, toClientId, channelKey(moved.channelId)]) !== undefined;
      if (clash) this.closeInTxn(moved, ctx, 'merged');
      else this.putRecord(moved);
    }
  }

  /** ClientDependent: erase a deleted client's conversations. */
  deleteInTxn(clientId: string): number {
    const all = [...this.scan(clientId)];
    for (const c of all) {
      this.removeIndexes(c);
      this.db.removeSync([REC, c.id]);
    }
    return all.length;
  }

  private closeInTxn(cur: Conversation, ctx: ActionContext, reason?: string): Conversation {
    const next: Conversation = { ...cur, status: 'closed', closedAt: new Date().toISOString() };
    this.putRecord(next);
    this.event(next, ctx, reason ? { action: 'close', reason: String(reason).slice(0, 200) } : { action: 'close' });
    return next;
  }

  /** Writes the record and makes the indexes agree with its client and status. */
  private putRecord(c: Conversation): void {
    this.db.putSync([REC, c.id], c);
    this.db.putSync([BY_CLIENT, c.clientId, c.id], true);
    const openKey = [OPEN, c.clientId, channelKey(c.channelId)];
    if (c.status === 'open') this.db.putSync(openKey, c.id);
    else if (this.db.get(openKey) === c.id) this.db.removeSync(openKey);
  }

  private removeIndexes(c: Conversation): void {
    this.db.removeSync([BY_CLIENT, c.clientId, c.id]);
    const openKey = [OPEN, c.clientId, channelKey(c.channelId)];
    if (this.db.get(openKey) === c.id) this.db.removeSync(openKey);
  }

  private *scan(clientId?: string): Generator<Conversation> {
    if (clientId === undefined) {
      for (const { value } of this.db.getRange({ start: [REC], end: [REC, END] })) yield value as Conversation;
      return;
    }
    for (const key of this.db.getKeys({ start: [BY_CLIENT, clientId], end: [BY_CLIENT, clientId, END] })) {
      const c = this.get((key as [string, string, string])[2]);
      if (c) yield c;
    }
  }

  private event(c: Conversation, ctx: ActionContext, payload: ConversationPayload): void {
    this.history.appendInTxn({ kind: 'conversation', clientId: c.clientId, conversationId: c.id, channel: c.channelId, direction: 'internal', actor: actorFromContext(ctx), payload });
  }
}
