import type { Command } from 'commander';
import QRCode from 'qrcode';
import { SwitchboardError } from '../../../common/errors.js';
import { isHumanRole } from '../../../domain/access/roles.js';
import { print, readStdin, withStore } from '../io.js';

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage people who sign in');

  user
    .command('add <name>')
    .description('create a user; the password is read from standard input')
    .requiredOption('--role <role>', 'admin, supervisor, operator or auditor')
    .option('--department <dept>', 'department, for operators')
    .option('--extension <number>', "the user's SIP extension: an operator may fetch the recordings of its calls")
    .option('--password-stdin', 'read the password from standard input (the only way: never on the command line)')
    .action(async (name: string, opts: { role: string; department?: string; extension?: string; passwordStdin?: boolean }) => {
      if (!isHumanRole(opts.role)) throw new SwitchboardError('SWB_ERR_VALIDATION', `--role: got ${JSON.stringify(opts.role)}, expected admin, supervisor, operator or auditor`);
      if (!opts.passwordStdin) throw new SwitchboardError('SWB_ERR_VALIDATION', 'pass --password-stdin and pipe the password in; passwords never go on the command line');
      const password = await readStdin();
      const role = opts.role;
      await withStore(async ({ access, ctx }) => {
        const { user: created, totpUri } = await access.users.create({ username: name, password, role, department: opts.department ?? null, extension: opts.extension ?? null }, ctx);
        print(`created ${created.role} ${created.username}${created.extension ? ` (extension ${created.extension})` : ''}`);
        if (totpUri) await printEnrolment(totpUri);
      });
    });

  user
    .command('list')
    .description('list users')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withStore(async ({ access }) => {
        for (const u of access.users.list()) {
          print(opts.json ? JSON.stringify(u) : [u.username, u.role, u.department ?? '-', u.disabled ? 'disabled' : u.locked ? 'locked' : 'active', `totp:${u.totp}`].join('\t'));
        }
      });
    });

  user
    .command('unlock <name>')
    .description('lift a lockout after repeated failed sign-ins')
    .action(async (name: string) => {
      await withStore(async ({ access, ctx }) => {
        await access.users.unlock(name, ctx);
        print(`unlocked ${name}`);
      });
    });

  user
    .command('totp-reset <name>')
    .description("replace the user's second factor with a new pending one and end their sessions; their next sign-in must confirm it")
    .action(async (name: string) => {
      await withStore(async ({ access, ctx }) => {
        const { user: reset, totpUri, sessionsEnded } = await access.security.resetTotp(name, ctx);
        print(`TOTP reset for ${reset.username}: the old secret no longer works; ${sessionsEnded} session(s) ended`);
        await printEnrolment(totpUri);
      });
    });

  user
    .command('passwd <name>')
    .description('set a new password (read from standard input) and end the user\'s sessions')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (name: string) => {
      const password = await readStdin();
      await withStore(async ({ access, ctx }) => {
        await access.setPassword(name, password, ctx);
        print(`password changed for ${name}`);
      });
    });
}

async function printEnrolment(totpUri: string): Promise<void> {
  print('');
  print('Scan this into an authenticator app; the first sign-in must give its current code to confirm it:');
  print(await QRCode.toString(totpUri, { type: 'terminal', small: true }));
  print(totpUri);
}
