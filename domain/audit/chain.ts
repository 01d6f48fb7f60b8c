import { createHash } from 'node:crypto';
import type { IntegrityKey } from './integrity-key.js';

export interface ChainFields {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  source: string;
  details: Record<string, unknown>;
  prevHash: string;
  /** The id of the key whose MAC `hash` is; absent on records written before the chain was keyed. */
  keyId?: string;
}

export const GENESIS = '0'.repeat(64);

/** The action that opens the keyed part of a chain which already held records. */
export const KEYED_MARKER = 'audit.chain.keyed';

/** Field order is fixed so the hash never depends on how an object was built. */
function canonical(r: ChainFields): string {
  const fields: unknown[] = [r.seq, r.at, r.actor, r.action, r.target, r.source, r.details, r.prevHash];
  if (r.keyId !== undefined) fields.push(r.keyId);
  return JSON.stringify(fields);
}

/** What an unkeyed record's hash is, and what a forger without the key can compute. */
export function plainHash(r: ChainFields): string {
  return createHash('sha256').update(canonical(r)).digest('hex');
}

export function keyedHash(r: ChainFields, key: IntegrityKey): string {
  return key.mac('chain', canonical(r));
}

export type ProblemKind = 'missing' | 'unlinked' | 'altered' | 'rehashed' | 'truncated' | 'rewritten' | 'checkpoint' | 'no-key';

export interface ChainProblem {
  kind: ProblemKind;
  firstBad: number;
  reason: string;
}

export interface ChainSummary {
  count: number;
  head: string;
  headSeq: number;
  /** First record MAC'd with this box's key (null: none is). */
  keyedFrom: number | null;
  /** Records before keyedFrom written without a key: SHA-256 only, anchored by the MAC of the record after them. */
  unkeyed: number;
  /** Records before keyedFrom MAC'd with a key this box does not hold: only their order and links are checked. */
  otherKeys: Record<string, number>;
}

/**
 * Walk the chain in order. A record is checked by the key that made it: this box's
 * key (MAC), none (SHA-256, only before the first keyed record), or another key
 * (links only, and only before a marker under this key says so). Once a record
 * under this key is seen, every later one must be too: a record after it with no
 * MAC, or with another key's id, was rewritten by someone without the key.
 */
export function walkChain(records: Iterable<ChainFields & { hash: string }>, key: IntegrityKey | null): { summary: ChainSummary; problem: ChainProblem | null } {
  const s: ChainSummary = { count: 0, head: GENESIS, headSeq: 0, keyedFrom: null, unkeyed: 0, otherKeys: {} };
  let macFailedAt: number | null = null;
  const done = (problem: ChainProblem | null): { summary: ChainSummary; problem: ChainProblem | null } => ({ summary: s, problem });
  for (const r of records) {
    const expected = s.headSeq + 1;
    if (r.seq !== expected) return done({ kind: 'missing', firstBad: expected, reason: `record ${expected} is missing (next present is ${r.seq})` });
    if (macFailedAt !== null) {
      // Did only that record change, or was the chain re-hashed from it on?
      const rehashed = r.prevHash === s.head && key !== null && r.keyId === key.id && keyedHash(r, key) !== r.hash;
      return done(rehashed ? rehashedWithOtherKey(macFailedAt) : { kind: 'altered', firstBad: macFailedAt, reason: `record ${macFailedAt} was altered (its MAC does not verify with the integrity key)` });
    }
    if (r.prevHash !== s.head) return done({ kind: 'unlinked', firstBad: r.seq, reason: `record ${r.seq} does not link to the record before it` });
    const problem = checkOne(r, key, s);
    if (problem === 'mac') macFailedAt = r.seq;
    else if (problem) return done(problem);
    s.head = r.hash;
    s.headSeq = r.seq;
    s.count++;
  }
  if (macFailedAt !== null) return done({ kind: 'altered', firstBad: macFailedAt, reason: `record ${macFailedAt} was altered or re-hashed with another key (its MAC does not verify with the integrity key)` });
  if (key === null && Object.keys(s.otherKeys).length > 0) {
    return done({ kind: 'no-key', firstBad: 0, reason: `no integrity key on this box: ${s.count - s.unkeyed} keyed records cannot be verified` });
  }
  return done(null);
}

function rehashedWithOtherKey(seq: number): ChainProblem {
  return { kind: 'rehashed', firstBad: seq, reason: `records from ${seq} on were re-hashed with another key: none of them verifies with the integrity key` };
}

function checkOne(r: ChainFields & { hash: string }, key: IntegrityKey | null, s: ChainSummary): ChainProblem | 'mac' | null {
  const keyedSince = s.keyedFrom;
  if (r.keyId === undefined) {
    if (keyedSince !== null) return { kind: 'rehashed', firstBad: r.seq, reason: `record ${r.seq} has no MAC although the chain is keyed from record ${keyedSince}: it was rewritten and re-hashed without the key` };
    if (plainHash(r) !== r.hash) return { kind: 'altered', firstBad: r.seq, reason: `record ${r.seq} was altered (hash mismatch)` };
    s.unkeyed++;
    return null;
  }
  if (key !== null && r.keyId === key.id) {
    if (keyedHash(r, key) !== r.hash) {
      if (plainHash(r) === r.hash || plainHash({ ...r, keyId: undefined }) === r.hash) return { kind: 'rehashed', firstBad: r.seq, reason: `record ${r.seq} was rewritten and re-hashed with plain SHA-256, without the integrity key` };
      return 'mac';
    }
    if (keyedSince === null && r.seq !== 1 && r.action !== KEYED_MARKER) {
      return { kind: 'rewritten', firstBad: r.seq, reason: `the keyed chain begins at record ${r.seq} without a ${KEYED_MARKER} record: the records before it were relabelled` };
    }
    s.keyedFrom ??= r.seq;
    return null;
  }
  if (keyedSince !== null) return { kind: 'rehashed', firstBad: r.seq, reason: `record ${r.seq} names key ${r.keyId} although the chain is keyed with ${key?.id} from record ${keyedSince}: it was re-hashed without the key` };
  s.otherKeys[r.keyId] = (s.otherKeys[r.keyId] ?? 0) + 1;
  return null;
}
