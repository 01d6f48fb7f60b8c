#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isSwitchboardError } from '../common/errors.js';
import { labCommands } from './command.js';

/*
 * Lab mode has its own entry point so that the release (dist/, the bundle, the .deb) carries no
 * peer launchers: `npm run lab -- --sip-port 5070` from a source tree.
 */
const program = new Command('switchboard-lab').description('Switchboard lab mode: peers and the appliance on loopback, for trying phones by hand').showHelpAfterError().exitOverride();
labCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (isSwitchboardError(err)) {
    process.stderr.write(`switchboard lab: ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
