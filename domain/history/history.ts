import { randomInt, randomUUID } from 'node:crypto';
import type { Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import { storeError, type Store } from '../store/store.js';
import { DIRECTIONS, HISTORY_KINDS, type HistoryEvent, type NewHistoryEvent } from './events.js';

/**
 * Key: [clientId, atMillis, seq, nonce]. lmdb's ordered-binary keys sort arrays
 * element by element, so one client's timeline is one contiguous range in time
 * order, read newest-first with a reverse cursor.
 *
 * seq + nonce only break ties inside one millisecond. seq is a counter in this
 * process and nonce is random per service instance, so two processes (the
 * appliance and a CLI) never produce the same key, and no append has to read and
 * bump a shared counter, which would serialise every write on one hot record.
 */
type HistoryKey = [clientId: string, atMillis: number, seq: number, nonce: number];
export type HistoryPosition = [atMillis: number, seq: number, nonce: number];

/** Strings sort after numbers in ordered-binary, so [clientId, END] is above every event of that client. */
const END = '\uffff';
const MAX_PAGE = 200;
/** Moves and deletes work in slices so a client with a huge history does not load it all at once. */
const SLICE = 1000;
const KINDS: ReadonlySet<string> = new Set(HISTORY_KINDS);
const DIRS: ReadonlySet<string> = new Set(DIRECTIONS);

export interface HistoryPage {
  items: HistoryEvent[];
  nextCursor: string | null;
}

export class HistoryService {
  private seq = 0;
  private readonly nonce = randomInt(1, 2 ** 47);

  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db<HistoryEvent, Key>('history');
  }

  /** Only inside store.write(): lets a channel commit its message with the rest of its work. */
  appendInTxn(input: NewHistoryEvent): HistoryEvent {
    const [key, event] = this.build(input);
    this.db.putSync(key, event);
    return event;
  }

  /**
   * Only inside store.write(): appendInTxn that also says where the event went, so a
   * channel can find it again (delivery receipts). A position is [atMillis, seq, nonce]:
   * a merge re-keys only the client part, so it stays valid under the surviving client.
   */
  appendPositionedInTxn(input: NewHistoryEvent): { event: HistoryEvent; position: HistoryPosition } {
    const [key, event] = this.build(input);
    this.db.putSync(key, event);
    return { event, position: [key[1], key[2], key[3]] };
  }

  at(clientId: string, position: HistoryPosition): HistoryEvent | undefined {
    return this.db.get([clientId, ...position]);
  }

  /** Only inside store.write(): a new version of an event in place (a message's delivery status). */
  replaceInTxn(clientId: string, position: HistoryPosition, event: HistoryEvent): void {
    this.db.putSync([clientId, ...position], event);
  }

  /**
   * Resolves once the event is on disk. A single put needs no transaction
   * callback: lmdb batches concurrent puts into one durable commit, which keeps a
   * busy channel's appends close to raw put throughput (a wrapped transaction per
   * event costs about half of it).
   */
  append(input: NewHistoryEvent): Promise<HistoryEvent> {
    let built: [HistoryKey, HistoryEvent];
    try {
      built = this.build(input);
    } catch (err) {
      return Promise.reject(err);
    }
    const [key, event] = built;
    return this.db.put(key, event).then(
      () => event,
      (err: unknown) => Promise.reject(storeError(err, 'history append')),
    );
  }

  private build(input: NewHistoryEvent): [HistoryKey, HistoryEvent] {
    const ms = input.at === undefined ? Date.now() : Date.parse(input.at);
    checkEvent(input, ms);
    const event = {
      id: input.id ?? randomUUID(),
      clientId: input.clientId,
      // Re-render so stored times always compare as strings the same way they sort as keys.
      at: new Date(ms).toISOString(),
      kind: input.kind,
      conversationId: input.conversationId ?? null,
      channel: input.channel ?? null,
      direction: input.direction ?? null,
      actor: input.actor ?? null,
      payload: input.payload,
    } as HistoryEvent;
    return [this.keyFor(input.clientId, ms), event];
  }

  /** Newest first; the cursor is the position of the last item returned, not an offset, so appends never shift pages. */
  page(clientId: string, opts: { limit: number; cursor?: string | null }): HistoryPage {
    const limit = opts.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new SwitchboardError('SWB_ERR_VALIDATION', `limit must be an integer from 1 to ${MAX_PAGE}, got ${String(limit)}`);
    }
    const after = opts.cursor ? decodeCursor(opts.cursor) : null;
    const start: Key = after ? [clientId, ...after] : [clientId, END];
    const items: HistoryEvent[] = [];
    let lastKey: HistoryKey | null = null;
    let more = false;
    for (const { key, value } of this.db.getRange({ start, end: [clientId], reverse: true })) {
      const k = key as HistoryKey;
      // The range starts at the cursor's own key (inclusive); skip it if it is still there.
      if (after && k[1] === after[0] && k[2] === after[1] && k[3] === after[2]) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(value);
      lastKey = k;
    }
    return { items, nextCursor: more && lastKey ? encodeCursor(lastKey) : null };
  }

  count(clientId: string): number {
    return this.db.getKeysCount({ start: [clientId], end: [clientId, END] });
  }

  /**
   * Only inside store.write(). Re-keys every event of one client under another,
   * keeping time, seq and nonce, so the merged timeline interleaves by time and no
   * moved key can collide with one already there.
   */
  moveInTxn(fromClientId: string, toClientId: string): number {
    if (fromClientId === toClientId) return 0;
    let moved = 0;
    for (;;) {
      const slice = [...this.db.getRange({ start: [fromClientId], end: [fromClientId, END], limit: SLICE })];
      if (slice.length === 0) return moved;
      for (const { key, value } of slice) {
        const [, ms, seq, nonce] = key as HistoryKey;
        this.db.putSync([toClientId, ms, seq, nonce], { ...value, clientId: toClientId, mergedFrom: value.mergedFrom ?? fromClientId });
        this.db.removeSync(key);
      }
      moved += slice.length;
    }
  }

  /** Only inside store.write(). */
  deleteInTxn(clientId: string): number {
    let removed = 0;
    for (;;) {
      const keys = [...this.db.getKeys({ start: [clientId], end: [clientId, END], limit: SLICE })];
      if (keys.length === 0) return removed;
      for (const key of keys) this.db.removeSync(key);
      removed += keys.length;
    }
  }

  private keyFor(clientId: string, ms: number): HistoryKey {
    this.seq += 1;
    return [clientId, ms, this.seq, this.nonce];
  }
}

/** Cheap checks only: this runs on every message and call, and must stay close to a raw put. */
function checkEvent(input: NewHistoryEvent, ms: number): void {
  if (typeof input.clientId !== 'string' || input.clientId.length === 0 || input.clientId.length > 128) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', 'history event needs a clientId');
  }
  if (!KINDS.has(input.kind)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `history event kind ${JSON.stringify(input.kind)} is not one of ${HISTORY_KINDS.join(', ')}`);
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `history event time ${JSON.stringify(input.at)} is not an ISO date`);
  }
  if (input.direction != null && !DIRS.has(input.direction)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', `history event direction ${JSON.stringify(input.direction)} is not one of ${DIRECTIONS.join(', ')}`);
  }
  if (typeof input.payload !== 'object' || input.payload === null || Array.isArray(input.payload)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', 'history event payload must be an object');
  }
}

function encodeCursor(key: HistoryKey): string {
  return Buffer.from(JSON.stringify([key[1], key[2], key[3]])).toString('base64url');
}

function decodeCursor(cursor: string): [number, number, number] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new SwitchboardError('SWB_ERR_VALIDATION', 'cursor is not one this server issued');
  }
  return parsed as [number, number, number];
}
