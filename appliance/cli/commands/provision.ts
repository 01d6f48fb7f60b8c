import type { Command } from 'commander';
import path from 'node:path';
import { provision } from '../../../provisioning/apply.js';
import { print, withStore } from '../io.js';

export function provisionCommands(program: Command): void {
  const p = program.command('provision').description('declarative provisioning of users, departments and service tokens');

  p.command('apply <file>')
    .description('converge the store to the document (idempotent; every change audited)')
    .option('--dry-run', 'print the plan and change nothing')
    .action(async (file: string, opts: { dryRun?: boolean }) => {
      await withStore(async ({ store, access, ctx }) => {
        const result = await provision(path.resolve(file), { store, access, ctx, dryRun: opts.dryRun ?? false });
        if (result.changes.length === 0) {
          print(`no changes: the store already matches ${file}`);
          return;
        }
        print(`${opts.dryRun ? 'would apply' : 'applied'} ${result.changes.length} change${result.changes.length === 1 ? '' : 's'}:`);
        for (const line of result.changes) print(`  ${line}`);
        for (const e of result.enrolments) print(`TOTP enrolment for ${e.username} (confirm with the first sign-in): ${e.uri}`);
      });
    });
}
