#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isSwitchboardError } from '../../common/errors.js';
import { EXIT, start } from '../main.js';
import { userCommands } from './commands/user.js';
import { tokenCommands } from './commands/token.js';
import { auditCommands } from './commands/audit.js';
import { configCommands } from './commands/config.js';
import { backupCommands } from './commands/backup.js';
import { provisionCommands } from './commands/provision.js';
import { versionCommands } from './commands/version.js';
import { tlsCommands } from './commands/tls.js';
import { statusCommands } from './commands/status.js';

const program = new Command('switchboard')
  .description('Switchboard appliance: start it, and administer it on the box')
  .showHelpAfterError()
  .exitOverride();

program
  .command('start')
  .description('run the appliance (SWITCHBOARD_CONFIG, SWITCHBOARD_DATA_DIR, SWITCHBOARD_LISTEN)')
  .action(async () => {
    await start();
  });
userCommands(program);
tokenCommands(program);
auditCommands(program);
configCommands(program);
backupCommands(program);
provisionCommands(program);
versionCommands(program);
tlsCommands(program);
statusCommands(program);

try {
  // Starting is never a default: a bare `switchboard` typed to see what it does must not start a second box.
  if (process.argv.length <= 2) {
    program.outputHelp();
    process.exit(0);
  }
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (isSwitchboardError(err)) {
    process.stderr.write(`switchboard: ${err.code}: ${err.message}\n`);
    process.exit(err.code.startsWith('SWB_ERR_CONFIG') ? EXIT.CONFIG : EXIT.FAILURE);
  }
  throw err;
}
