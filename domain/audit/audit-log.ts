import { createHash } from 'node:crypto';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../store/store.js';

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
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** Field order is fixed so the hash never depends on how an object was built. */
function digest(r: Omit<AuditRecord, 'hash'>): string {
  const canonical = JSON.stringify([r.seq, r.at, r.actor, r.action, r.target, r.source, r.details, r.prevHash]);
  return createHash('sha256').update(canonical).digest('hex');
}

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

export type VerifyResult = { ok: true; count: number; head: string } | { ok: false; count: number; firstBad: number; reason: string };

/**
 * Append-only, hash-chained audit log. There is no update or delete: the only
 * writes are append() calls inside a store write, so an audited action and its
 * record commit together or not at all.
 */
export class AuditLog {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db<Omit<AuditRecord, 'seq'>, number>('audit');
  }

  /** Only inside store.write(). */
  append(input: AuditInput): AuditRecord {
    const last = [...this.db.getRange({ reverse: true, limit: 1 })][0];
    const seq = last ? last.key + 1 : 1;
    const base = {
      seq,
      at: new Date().toISOString(),
      actor: input.actor,
      action: input.action,
      target: input.target ?? '',
      source: input.source ?? '',
      details: input.details ?? {},
      prevHash: last ? last.value.hash : GENESIS,
    };
    const record: AuditRecord = { ...base, hash: digest(base) };
    const { seq: _omit, ...stored } = record;
    this.db.putSync(seq, stored);
    return record;
  }

  /** Append in a transaction of its own. */
  async record(input: AuditInput): Promise<AuditRecord> {
    return this.store.write(() => this.append(input));
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

  /** Walk the chain; report the first record that was altered, inserted or removed. */
  verify(): VerifyResult {
    let prevHash = GENESIS;
    let expected = 1;
    let count = 0;
    for (const r of this.all()) {
      if (r.seq !== expected) return { ok: false, count, firstBad: expected, reason: `record ${expected} is missing (next present is ${r.seq})` };
      if (r.prevHash !== prevHash) return { ok: false, count, firstBad: r.seq, reason: `record ${r.seq} does not link to the record before it` };
      const { hash, ...rest } = r;
      if (digest(rest) !== hash) return { ok: false, count, firstBad: r.seq, reason: `record ${r.seq} was altered (hash mismatch)` };
      prevHash = hash;
      expected++;
      count++;
    }
    return { ok: true, count, head: prevHash };
  }

  assertIntact(): void {
    const v = this.verify();
    if (!v.ok) throw new SwitchboardError('SWB_ERR_AUDIT_BROKEN', v.reason, { firstBad: v.firstBad });
  }
}
