import type { ChainProblem } from './chain.js';

/** The log lines that carry the head: each checkpoint write, and each start. */
const HEAD_MESSAGES = new Set(['audit checkpoint', 'audit head at start']);

/**
 * Compare the heads the appliance logged (journald keeps them where the service
 * user cannot write) with the store: a logged record the store no longer holds,
 * or holds with another hash, shows a tail removed or a chain rewritten even when
 * the checkpoint file was rolled back or re-signed along with the store.
 */
export function checkJournal(lines: Iterable<string>, headSeq: number, hashAt: (seq: number) => string | undefined): { checked: number; problem: ChainProblem | null } {
  let checked = 0;
  let truncated: { seq: number; at: string } | null = null;
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: unknown; seq?: unknown; hash?: unknown; time?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (!HEAD_MESSAGES.has(entry.msg as string) || !Number.isInteger(entry.seq) || typeof entry.hash !== 'string') continue;
    const seq = entry.seq as number;
    const at = typeof entry.time === 'string' ? entry.time : 'an unknown time';
    checked++;
    if (seq > headSeq) {
      if (!truncated || seq > truncated.seq) truncated = { seq, at };
      continue;
    }
    if (hashAt(seq) !== entry.hash) {
      return { checked, problem: { kind: 'rewritten', firstBad: seq, reason: `the journal logged record ${seq} at ${at} with hash ${entry.hash}, the store holds another: the chain was rewritten at or before it` } };
    }
  }
  if (truncated) {
    return { checked, problem: { kind: 'truncated', firstBad: headSeq + 1, reason: `the journal logged record ${truncated.seq} at ${truncated.at}, the store ends at record ${headSeq}: records ${headSeq + 1}..${truncated.seq} were removed (truncation)` } };
  }
  return { checked, problem: null };
}
