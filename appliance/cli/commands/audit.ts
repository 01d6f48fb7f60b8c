import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { VerifyResult } from '../../../domain/audit/audit-log.js';
import type { ProblemKind } from '../../../domain/audit/chain.js';
import { checkJournal } from '../../../domain/audit/journal-check.js';
import { print, withStore } from '../io.js';

/** One heading per kind of damage, so truncation and re-hashing never read alike. */
const HEADING: Record<ProblemKind, (seq: number) => string> = {
  missing: (n) => `BROKEN at record ${n}`,
  unlinked: (n) => `BROKEN at record ${n}`,
  altered: (n) => `BROKEN at record ${n}`,
  rehashed: (n) => `RE-HASHED from record ${n}`,
  truncated: (n) => `TRUNCATED from record ${n}`,
  rewritten: (n) => `REWRITTEN at or before record ${n}`,
  checkpoint: () => 'CHECKPOINT MISSING OR FORGED',
  'no-key': () => 'UNVERIFIABLE',
};

function describe(v: VerifyResult & { ok: true }): string[] {
  const lines = [`audit chain intact: ${v.count} records, head ${v.head} (record ${v.headSeq})`];
  if (v.keyedFrom !== null) lines.push(`  MAC'd with integrity key ${v.keyId} from record ${v.keyedFrom}`);
  if (v.unkeyed > 0 && v.keyedFrom !== null) lines.push(`  records 1..${v.unkeyed} were written before the chain was keyed: SHA-256 only, anchored by the MAC of the record after them`);
  if (v.unkeyed > 0 && v.keyedFrom === null) lines.push(`  records 1..${v.unkeyed} were written before the chain was keyed: SHA-256 only, until the next audited action keys the chain and anchors them`);
  for (const [id, n] of Object.entries(v.otherKeys)) lines.push(`  ${n} records were MAC'd with key ${id}, which this box does not hold: their order and links are checked, their content cannot be`);
  if (v.checkpoint) lines.push(`  checkpoint: record ${v.checkpoint.seq} at ${v.checkpoint.at} matches`);
  else lines.push('  no checkpoint yet (nothing was written under the key)');
  return lines;
}

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description('check every MAC and link of the chain, and its head against the checkpoint: report the first altered, missing, re-hashed or removed record')
    .option('--journal <file>', "also check the heads the appliance logged (journalctl -u switchboard -o cat > FILE; '-' reads stdin)")
    .action(async (opts: { journal?: string }) => {
      await withStore(
        async ({ audit: log, store }) => {
          let v = log.verify();
          let journal: string | null = null;
          if (v.ok && opts.journal) {
            const text = readFileSync(opts.journal === '-' ? 0 : opts.journal, 'utf8');
            const j = checkJournal(text.split('\n'), v.headSeq, (seq) => store.db<{ hash: string }, number>('audit').get(seq)?.hash);
            if (j.problem) v = { ...v, ok: false, ...j.problem };
            else journal = `  journal: ${j.checked} logged heads match`;
          }
          if (v.ok) {
            for (const line of describe(v)) print(line);
            if (journal) print(journal);
          } else {
            print(`audit chain ${HEADING[v.kind](v.firstBad)}: ${v.reason} (${v.count} records verified before it)`);
            process.exitCode = 1;
          }
        },
        { readOnlyAudit: true },
      );
    });
}
