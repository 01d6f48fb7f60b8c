import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../../domain/store/store.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { HistoryService } from '../../domain/history/history.js';
import type { CallOutcome } from '../../domain/history/events.js';
import type { DomainEvent } from '../../domain/events/events.js';
import { externalParty, summaryOf } from './call-summary.js';
import type { RecordingResult } from '../media/types.js';
import type { CallRecord, CallRecording } from './call-record.js';

type Key = [startMillis: number, id: string];

/** Calls started at or after `sinceMillis`, newest first, read straight from the store (the CLI, beside or without a running appliance). */
export function* callsSince(store: Store, sinceMillis: number): Generator<CallRecord> {
  for (const { key, value } of store.db<CallRecord, Key>('calls').getRange({ start: [Number.MAX_SAFE_INTEGER, ''], reverse: true })) {
    if ((key as Key)[0] < sinceMillis) return;
    yield value;
  }
}

/** How far back start-up looks for calls a previous process left open. */
const RECOVERY_WINDOW_MS = 7 * 24 * 3600 * 1000;
const MAX_PAGE = 200;

export interface CallEnd {
  end: Date;
  outcome: CallOutcome;
  sipCause: number | null;
  endReason: string;
}

/**
 * The `calls` database and the history events written from it. Each call is
 * written when it starts ringing, when it is answered and when it ends; the
 * end, the client look-up and the history event are one transaction that
 * first checks the record is not already ended, so a call is recorded once
 * whatever happens (a BYE and a connection loss racing, a restart, a
 * duplicate BYE). Writes of one call are chained so they commit in order.
 * Each of the three is published on the event feed after its commit (ringing,
 * answered, ended), in that order and once.
 */
export class CallLog {
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly keys = new Map<string, Key>();

  constructor(
    private readonly store: Store,
    private readonly clients: ClientService,
    private readonly history: HistoryService,
    private readonly logger: Logger,
    private readonly events: { publish(event: DomainEvent): void } | null = null,
  ) {}

  private get db() {
    return this.store.db<CallRecord, Key>('calls');
  }

  /** Call id -> start millis: a call found by id without walking the log (an unknown id costs one read, like a known one). */
  private get ids() {
    return this.store.db<number, string>('callIds');
  }

  newId(): string {
    return randomUUID();
  }

  /** A ringing call; returns at once, the commit follows in order with the call's later writes. */
  open(record: CallRecord): void {
    const key: Key = [Date.parse(record.start), record.id];
    this.keys.set(record.id, key);
    this.chain(record.id, async () => {
      await this.store.write(() => {
        this.db.putSync(key, record);
        this.ids.putSync(record.id, key[0]);
      });
      // A caller whose number is a client's is named at once (a screen pop); an unknown one gets a card only at the end.
      const external = externalParty(record);
      this.publish(record, external ? (this.clients.findByIdentity('phone', external)?.id ?? null) : null);
    });
  }

  answered(id: string, at: Date, extension: string | null): void {
    this.chain(id, async () => {
      const next = await this.store.write(() => {
        const key = this.keys.get(id);
        const cur = key && this.db.get(key);
        if (!key || !cur || cur.state !== 'ringing') return null;
        const rec: CallRecord = { ...cur, state: 'answered', answer: at.toISOString(), extension: extension ?? cur.extension };
        this.db.putSync(key, rec);
        return rec;
      });
      if (next) this.publish(next, this.clientOf(next));
    });
  }

  /** Whether the recording announcement of a call with announce was played (media.announced). */
  announced(id: string, played: boolean): void {
    this.chain(id, () =>
      this.store.write(() => {
        const key = this.keys.get(id);
        const cur = key && this.db.get(key);
        if (!key || !cur) return;
        this.db.putSync(key, { ...cur, media: { ...cur.media, announced: played } });
      }),
    );
  }

  /** Ends the call once: a second end for the same call is a no-op. Resolves once on disk. */
  async finish(id: string, end: CallEnd): Promise<CallRecord | null> {
    const done = this.chain(id, async () => {
      const rec = await this.store.write(() => this.finishInTxn(this.keys.get(id), end));
      if (rec) this.publish(rec, rec.clientId);
      return rec;
    });
    try {
      return (await done) as CallRecord | null;
    } finally {
      // Later writes for this call (a late answered()) find no key and change nothing.
      this.chains.delete(id);
      this.keys.delete(id);
    }
  }

  private finishInTxn(key: Key | undefined, end: CallEnd): CallRecord | null {
    const cur = key && this.db.get(key);
    if (!key || !cur || cur.state === 'ended') return null;
    const answered = cur.answer !== null;
    const endIso = end.end.toISOString();
    const record: CallRecord = {
      ...cur,
      state: 'ended',
      end: endIso,
      durationSec: answered ? Math.max(0, Math.round((end.end.getTime() - Date.parse(cur.answer!)) / 1000)) : 0,
      outcome: answered ? 'answered' : end.outcome,
      sipCause: end.sipCause,
      endReason: end.endReason,
    };
    const external = externalParty(record);
    if (external) {
      const client = this.clients.resolveOrCreateInTxn('phone', external, null, { actor: 'system', source: 'sip' });
      const event = this.history.appendInTxn({
        kind: 'call',
        clientId: client.id,
        at: record.start,
        channel: 'sip',
        direction: record.direction,
        actor: record.direction === 'in' ? { type: 'client', id: client.id } : null,
        payload: {
          from: record.from,
          to: record.to,
          extension: record.extension,
          start: record.start,
          answer: record.answer,
          end: record.end,
          durationSec: record.durationSec,
          outcome: record.outcome!,
          sipCause: record.sipCause,
          callId: record.id,
        },
      });
      record.clientId = client.id;
      record.historyEventId = event.id;
      // A recording reported before the call's end (it stopped first): its history event goes in now.
      if (record.recording && !record.recording.historyEventId) record.recording = this.recordingEvent(record, record.recording);
    }
    this.db.putSync(key, record);
    return record;
  }

  /** The recording was asked for and will not be made (media server down or refusing, or the disk full): flag the record. */
  recordingUnavailable(id: string, status: 'unavailable' | 'disk-full' = 'unavailable'): void {
    const apply = (key: Key | undefined): void => {
      const cur = key && this.db.get(key);
      if (!key || !cur || cur.recording) return;
      this.db.putSync(key, { ...cur, recording: { status, key: null, file: null, durationSec: 0, bytes: 0, sha256: null, historyEventId: null } });
    };
    if (this.keys.has(id)) void this.chain(id, () => this.store.write(() => apply(this.keys.get(id))));
    else void this.store.write(() => apply(this.findKey(id))).catch((err: unknown) => this.logger.error({ err, call: id }, 'call record write failed'));
  }

  /**
   * A recording closed (the media backend's recording-stopped): sets the call
   * record's `recording` and appends a `recording` event (id: the backend's
   * key) to the history of the call's client. A stop reported again for the
   * same file (a replay after a reconnect) finds the key there and writes
   * nothing. `interrupted` says the appliance cut it short (the file is kept
   * as it is, partial).
   */
  async recordingStopped(r: RecordingResult, interrupted?: CallRecording['interrupted']): Promise<CallRecord | null> {
    const id = r.callId;
    if (!id) return null;
    const pending = this.chains.get(id);
    if (pending) await pending;
    return this.store.write(() => {
      const key = this.keys.get(id) ?? this.findKey(id);
      const cur = key && this.db.get(key);
      if (!key || !cur || cur.recording?.key === r.key) return null;
      let recording: CallRecording = { status: r.status, key: r.key, file: r.file, durationSec: r.durationSec, bytes: r.bytes, sha256: r.sha256, historyEventId: null, ...(interrupted ? { interrupted } : {}) };
      if (cur.clientId) recording = this.recordingEvent(cur, recording, r.stoppedAt);
      const next = { ...cur, recording };
      this.db.putSync(key, next);
      return next;
    });
  }

  /** Only inside store.write(): the `recording` history event of a call that has a client and a file. */
  private recordingEvent(call: CallRecord, rec: CallRecording, at?: string): CallRecording {
    if (!call.clientId || !rec.key || !rec.file || !rec.sha256) return rec;
    const event = this.history.appendInTxn({
      id: rec.key,
      kind: 'recording',
      clientId: call.clientId,
      ...(at ? { at } : call.end ? { at: call.end } : {}),
      channel: 'sip',
      direction: call.direction,
      actor: null,
      payload: { callId: call.id, file: rec.file, durationSec: rec.durationSec, bytes: rec.bytes, sha256: rec.sha256 },
    });
    return { ...rec, historyEventId: event.id };
  }

  private findKey(id: string): Key | undefined {
    const start = this.ids.get(id);
    return start === undefined ? undefined : [start, id];
  }

  /** Calls written before the id index existed get their entries once, at the first start that has it. */
  private async indexOnce(): Promise<void> {
    const meta = this.store.db<boolean>('meta');
    if (meta.get('callIds.indexed')) return;
    await this.store.write(() => {
      for (const { key } of this.db.getRange()) this.ids.putSync((key as Key)[1], (key as Key)[0]);
      meta.putSync('callIds.indexed', true);
    });
  }

  /**
   * At start: calls a previous process left ringing or answered are ended now,
   * with endReason 'interrupted' (the dialogs died with that process; the
   * phones' later BYE finds no dialog and changes nothing).
   */
  async recover(now = new Date()): Promise<number> {
    await this.indexOnce();
    const open: Key[] = [];
    for (const { key, value } of this.db.getRange({ start: [now.getTime() - RECOVERY_WINDOW_MS] })) {
      if (value.state !== 'ended') open.push(key as Key);
    }
    if (open.length === 0) return 0;
    await this.store.write(() => {
      for (const key of open) this.finishInTxn(key, { end: now, outcome: 'failed', sipCause: null, endReason: 'interrupted' });
    });
    this.logger.warn({ calls: open.length }, 'ended calls left open by the previous run');
    return open.length;
  }

  /** Newest first; `before` is the start time (ms) and id of the last item of the previous page. */
  list(opts: { limit: number; before?: Key | null; direction?: string; extension?: string; where?: (c: CallRecord) => boolean }): { items: CallRecord[]; next: string | null } {
    const limit = Math.min(Math.max(1, opts.limit), MAX_PAGE);
    const items: CallRecord[] = [];
    let last: Key | null = null;
    const start = opts.before ?? [Number.MAX_SAFE_INTEGER, ''];
    for (const { key, value } of this.db.getRange({ start, reverse: true })) {
      const k = key as Key;
      if (opts.before && k[0] === opts.before[0] && k[1] === opts.before[1]) continue;
      if (opts.direction && value.direction !== opts.direction) continue;
      if (opts.extension && value.extension !== opts.extension) continue;
      if (opts.where && !opts.where(value)) continue;
      if (items.length === limit) return { items, next: last ? Buffer.from(JSON.stringify(last)).toString('base64url') : null };
      items.push(value);
      last = k;
    }
    return { items, next: null };
  }

  get(id: string): CallRecord | undefined {
    const key = this.keys.get(id) ?? this.findKey(id);
    return key && this.db.get(key);
  }

  /** Calls this process has opened and not yet ended (ringing or answered), oldest first: one read each, however long the log. */
  inProgress(): CallRecord[] {
    const out: CallRecord[] = [];
    for (const key of this.keys.values()) {
      const r = this.db.get(key);
      if (r && r.state !== 'ended') out.push(r);
    }
    return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Resolves when every pending write has committed (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }

  /** The client of a call in progress: none is made before the end, so an unknown caller stays unknown until then. */
  private clientOf(record: CallRecord): string | null {
    const external = externalParty(record);
    return record.clientId ?? (external ? (this.clients.findByIdentity('phone', external)?.id ?? null) : null);
  }

  private publish(record: CallRecord, clientId: string | null): void {
    try {
      this.events?.publish({ type: 'call', call: summaryOf(record, clientId) });
    } catch (err) {
      // A reader's failure is its own: the call and its record go on.
      this.logger.error({ err, call: record.id }, 'a call event reader failed');
    }
  }

  private chain<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const guarded = next.catch((err: unknown) => {
      this.logger.error({ err, call: id }, 'call record write failed');
      return null;
    });
    this.chains.set(id, guarded);
    return next;
  }
}

