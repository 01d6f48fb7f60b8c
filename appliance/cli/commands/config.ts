import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { print } from '../io.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('the configuration file');

  config
    .command('check <file>')
    .description('validate a configuration file without starting')
    .action((file: string) => {
      const c = loadConfig({ file });
      print(`${file}: valid (listen ${c.listen.host}:${c.listen.port}, data ${c.dataDir})`);
    });
}
