import type { Command } from 'commander';
import { SwitchboardError } from '../../../common/errors.js';
import { isServiceRole } from '../../../domain/access/roles.js';
import { print, withStore } from '../io.js';

export function tokenCommands(program: Command): void {
  const token = program.command('token').description('service tokens for machines (Prometheus, integrations)');

  token
    .command('create')
    .description('create a service token and print it once')
    .requiredOption('--role <role>', 'metrics or integration')
    .option('--name <name>', 'what uses it', 'cli')
    .option('--ttl-days <days>', 'expire after this many days')
    .action(async (opts: { role: string; name: string; ttlDays?: string }) => {
      if (!isServiceRole(opts.role)) throw new SwitchboardError('SWB_ERR_VALIDATION', `--role: got ${JSON.stringify(opts.role)}, expected metrics or integration`);
      const ttlDays = opts.ttlDays === undefined ? undefined : Number(opts.ttlDays);
      if (ttlDays !== undefined && !(Number.isInteger(ttlDays) && ttlDays > 0)) throw new SwitchboardError('SWB_ERR_VALIDATION', `--ttl-days: got ${JSON.stringify(opts.ttlDays)}, expected a whole number of days`);
      const role = opts.role;
      await withStore(async ({ access, ctx }) => {
        const { token: secret, record } = await access.tokens.create({ role, name: opts.name, ttlDays }, ctx);
        process.stderr.write(`created ${record.role} token ${record.id}; it is shown once:\n`);
        print(secret);
      });
    });

  token
    .command('list')
    .description('list service tokens (never their secrets)')
    .action(async () => {
      await withStore(async ({ access }) => {
        for (const t of access.tokens.list()) print([t.id, t.role, t.name, t.createdAt, t.expiresAt ?? 'never'].join('\t'));
      });
    });

  token
    .command('revoke <id>')
    .description('revoke a service token')
    .action(async (id: string) => {
      await withStore(async ({ access, ctx }) => {
        await access.tokens.revoke(id, ctx);
        print(`revoked ${id}`);
      });
    });
}
