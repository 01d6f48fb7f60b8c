import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';
import { GENESIS, KEYED_MARKER, keyedHash, walkChain, type ChainFields, type ChainProblem, type ChainSummary } from './chain.js';
import type { AuditIntegrity } from './integrity.js';
import type { CheckpointRead, Head } from './checkpoint.js';

/** What was audited. Later issues add their own actions here, never free text. */
export const AUDIT_ACTIONS = [
  'login.success',
  'login.failure',
  'login.locked',
  'login.throttled',
  'logout',
  'session.revoke',
  'user.create',
  'user.update',
  'user.unlock',
  'user.password',
  'user.totp.enrol',
  'user.totp.confirm',
  'user.totp.show',
  'user.totp.reset',
  'user.reauth.failure',
  'user.directory.sync',
  'user.directory.revoke',
  'token.create',
  'token.revoke',
  'department.set',
  'client.create',
  'client.update',
  'client.merge',
  'client.delete',
  'client.export',
  'conversation.assign',
  'sip.ban',
  'sip.unban',
  'sip.extension.set',
  'call.recording.fetch',
  'call.recording.refused',
  'call.recording.delete',
  'call.originate',
  'call.originate.refused',
  'channel.block',
  'channel.unblock',
  'channel.provision',
  'audit.export',
  'config.change',
  'tls.certificate',
  'store.migrate',
  'store.backup',
  'store.restore',
  'audit.chain.keyed',
  'audit.checkpoint.mismatch',
  'backup.unauthenticated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditInput {
  actor: string; // 'user:NAME', 'service:ID', 'cli:USER@HOST', 'system'
  action: AuditAction;
  target?: string;
  source?: string; // source address, or 'cli'
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditInput, 'details'>> {
  seq: number;
  at: string;
  details: Record<string, unknown>;
  prevHash: string;
  /** Which integrity key MAC'd this record; absent on records written before the chain was keyed. */
  keyId?: string;
  hash: string;
}

export type VerifyResult = ({ ok: true } | ({ ok: false } & ChainProblem)) &
  ChainSummary & {
    keyId: string | null;
    /** The head checkpoint kept outside the store, when it verified. */
    checkpoint: { seq: number; hash: string; at: string } | null;
  };

export interface AuditQuery {
  limit: number;
  after?: number;
  before?: number;
  newestFirst?: boolean;
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
}

const MISMATCH = 'audit.checkpoint.mismatch';

/**
 * Append-only audit log, each record MAC'd (HMAC-SHA256) with the integrity key
 * kept outside the store and chained to the one before it. There is no update or
 * delete: the only writes are append() calls inside a store write, so an audited
 * action and its record commit together or not at all. After each commit the head
 * is checkpointed outside the store (a file and the journal): a store cut short,
 * or rewritten, no longer matches it.
 */
export class AuditLog {
  constructor(
    private readonly store: Store,
    readonly integrity: AuditIntegrity,
  ) {}

  private get db() {
    return this.store.db<Omit<AuditRecord, 'seq'>, number>('audit');
  }

  private last(): { key: number; value: Omit<AuditRecord, 'seq'> } | undefined {
    return [...this.db.getRange({ reverse: true, limit: 1 })][0];
  }

  head(): Head | null {
    const last = this.last();
    return last ? { seq: last.key, hash: last.value.hash } : null;
  }

  /** Only inside store.write(). */
  append(input: AuditInput): AuditRecord {
    this.checkOnceInTxn();
    return this.write(input);
  }

  private write(input: AuditInput): AuditRecord {
    const key = this.integrity.requireKey();
    let last = this.last();
    if (last && last.value.keyId !== key.id) {
      // The records so far were written unkeyed (before this version) or under another key (a forced restore):
      // from here on the chain is MAC'd, and this record's MAC anchors their last hash.
      const marker = this.put(last, { actor: 'system', action: KEYED_MARKER, target: 'audit', details: { recordsBefore: last.key, previousKey: last.value.keyId ?? 'none' } }, key.id);
      last = { key: marker.seq, value: marker };
    }
    return this.put(last, input, key.id);
  }

  private put(last: { key: number; value: { hash: string } } | undefined, input: AuditInput, keyId: string): AuditRecord {
    const base: ChainFields = {
      seq: last ? last.key + 1 : 1,
      at: new Date().toISOString(),
      actor: input.actor,
      action: input.action,
      target: input.target ?? '',
      source: input.source ?? '',
      details: input.details ?? {},
      prevHash: last ? last.value.hash : GENESIS,
      keyId,
    };
    const record = { ...base, hash: keyedHash(base, this.integrity.requireKey()) } as AuditRecord;
    const { seq: _omit, ...stored } = record;
    this.db.putSync(record.seq, stored);
    this.store.afterCommit(() => this.integrity.committed({ seq: record.seq, hash: record.hash }));
    return record;
  }

  /**
   * Before this process's first append: compare the store with the checkpoint. A
   * mismatch (records removed, the chain rewritten, the checkpoint deleted or
   * forged) is itself written into the chain, MAC'd, so it stays on record after the
   * checkpoint moves on; `verify` reports it from then on.
   */
  private checkOnceInTxn(): void {
    if (this.integrity.isChecked(this.store)) return;
    const found = this.head();
    const cp = this.integrity.readCheckpoint();
    const problem = compareWithCheckpoint(cp, found, (seq) => this.db.get(seq)?.hash, this.last()?.value.keyId !== undefined);
    if (problem) {
      const checkpoint = cp.state === 'ok' ? { seq: cp.checkpoint.seq, hash: cp.checkpoint.hash, at: cp.checkpoint.at } : null;
      const r = this.write({ actor: 'system', action: MISMATCH, target: 'audit', details: { kind: problem.kind, firstBad: problem.firstBad, reason: problem.reason, checkpoint, found } });
      this.store.afterCommit(() => {
        this.integrity.incident(problem, found);
        this.integrity.committed({ seq: r.seq, hash: r.hash }, true);
      });
    }
    this.store.afterCommit(() => this.integrity.markChecked(this.store));
  }

  /** At start: compare with the checkpoint (recording a mismatch), then put the head in the journal. */
  async open(): Promise<void> {
    await this.store.write(() => this.checkOnceInTxn());
    const head = this.head();
    this.integrity.logHead(head);
    if (head && this.integrity.key) this.integrity.committed(head);
  }

  /** Append in a transaction of its own. */
  async record(input: AuditInput): Promise<AuditRecord> {
    return this.store.write(() => this.append(input));
  }

  /** Wait until the checkpoint holds every record this process committed. */
  async flush(): Promise<void> {
    await this.integrity.flush();
  }

  /**
   * Oldest first from `after`, or newest first from `before` (`newestFirst`); `next` is the seq
   * to pass as the next `after` (or `before`). `from` and `to` bound the record time (ISO,
   * inclusive from, exclusive to); records are written in time order, so a walk stops at the
   * far edge of the range instead of reading the rest of the log.
   */
  page(opts: AuditQuery): { items: AuditRecord[]; next: number | null } {
    const items: AuditRecord[] = [];
    const desc = opts.newestFirst === true;
    const range = desc ? { reverse: true, ...(opts.before !== undefined ? { start: opts.before - 1 } : {}) } : { start: (opts.after ?? 0) + 1 };
    for (const { key, value } of this.db.getRange(range)) {
      if (opts.to !== undefined && value.at >= opts.to) {
        if (desc) continue;
        break;
      }
      if (opts.from !== undefined && value.at < opts.from) {
        if (desc) break;
        continue;
      }
      if (opts.action && value.action !== opts.action) continue;
      if (opts.actor && value.actor !== opts.actor) continue;
      items.push({ seq: key, ...value });
      if (items.length === opts.limit) break;
    }
    const next = items.length === opts.limit ? items[items.length - 1]!.seq : null;
    return { items, next };
  }

  *all(): Generator<AuditRecord> {
    for (const { key, value } of this.db.getRange({})) yield { seq: key, ...value };
  }

  /**
   * Walk the chain and report the first record that was altered, inserted, removed
   * or re-hashed; then compare the head with the checkpoint (truncation, rewrite);
   * then any mismatch recorded when a process opened the store. `checkpoint: false`
   * is for a copy (a backup), which has no checkpoint of its own.
   */
  verify(opts: { checkpoint?: boolean } = {}): VerifyResult {
    // Read before the walk: a checkpoint only ever names a committed record, so one read first can never be ahead of the store walked after it.
    const cp = this.integrity.readCheckpoint();
    this.store.refreshSnapshot();
    const mismatches: AuditRecord[] = [];
    const records = this.all();
    const watched = (function* () {
      for (const r of records) {
        if (r.action === MISMATCH) mismatches.push(r);
        yield r;
      }
    })();
    const { summary, problem } = walkChain(watched, this.integrity.key);
    const result = { ...summary, keyId: this.integrity.key?.id ?? null, checkpoint: cp.state === 'ok' ? { seq: cp.checkpoint.seq, hash: cp.checkpoint.hash, at: cp.checkpoint.at } : null };
    if (problem) return { ok: false, ...result, ...problem };
    if (opts.checkpoint !== false) {
      const found = summary.count > 0 ? { seq: summary.headSeq, hash: summary.head } : null;
      const now = compareWithCheckpoint(cp, found, (seq) => this.db.get(seq)?.hash, summary.keyedFrom !== null || Object.keys(summary.otherKeys).length > 0);
      if (now) return { ok: false, ...result, ...now };
      const first = mismatches[0];
      if (first) {
        const d = first.details as { kind: ChainProblem['kind']; firstBad: number; reason: string };
        return { ok: false, ...result, kind: d.kind, firstBad: d.firstBad, reason: `found when the store was opened at ${first.at} and recorded as record ${first.seq}: ${d.reason}` };
      }
    }
    return { ok: true, ...result };
  }

  assertIntact(opts: { checkpoint?: boolean } = {}): void {
    const v = this.verify(opts);
    if (!v.ok) throw new SwitchboardError('SWB_ERR_AUDIT_BROKEN', v.reason, { firstBad: v.firstBad, kind: v.kind });
  }
}

/** The store's head against the checkpoint: the store may be ahead of it (a crash before the write), never behind or different. */
function compareWithCheckpoint(cp: CheckpointRead, found: Head | null, hashAt: (seq: number) => string | undefined, keyed: boolean): ChainProblem | null {
  if (cp.state === 'pending') return null;
  if (cp.state === 'invalid') return { kind: 'checkpoint', firstBad: 0, reason: cp.reason };
  if (cp.state === 'none') {
    return keyed ? { kind: 'checkpoint', firstBad: 0, reason: 'the head checkpoint is missing although the chain holds keyed records: it was deleted, so a removed tail cannot be ruled out' } : null;
  }
  const c = cp.checkpoint;
  const end = found?.seq ?? 0;
  if (end < c.seq) {
    return { kind: 'truncated', firstBad: end + 1, reason: `the store ends at record ${end} but the checkpoint of ${c.at} names record ${c.seq}: records ${end + 1}..${c.seq} were removed (truncation)` };
  }
  if (c.seq > 0 && hashAt(c.seq) !== c.hash) {
    return { kind: 'rewritten', firstBad: c.seq, reason: `record ${c.seq} is not the one checkpointed at ${c.at}: the chain was rewritten at or before it` };
  }
  return null;
}
