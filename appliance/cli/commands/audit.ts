import type { Command } from 'commander';
import { print, withStore } from '../io.js';

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description('walk the hash chain and report the first altered or missing record')
    .action(async () => {
      await withStore(async ({ audit: log }) => {
        const v = log.verify();
        if (v.ok) {
          print(`audit chain intact: ${v.count} records, head ${v.head}`);
        } else {
          print(`audit chain BROKEN at record ${v.firstBad}: ${v.reason} (${v.count} records verified before it)`);
          process.exitCode = 1;
        }
      });
    });
}
