import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { listenTlsOf } from '../../http/tls-config.js';
import { loadServedTls } from '../../http/tls-material.js';
import { print } from '../io.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('the configuration file');

  config
    .command('check <file>')
    .description('validate a configuration file without starting')
    .action(async (file: string) => {
      const c = loadConfig({ file });
      const tls = listenTlsOf(c.listen);
      // The pair is read at start too: a missing or mismatched file is as much a config error as a bad key.
      if (typeof tls === 'object') await loadServedTls(c, { create: false });
      print(`${file}: valid (listen ${c.listen.host}:${c.listen.port} ${tls === 'off' ? 'plain HTTP' : `HTTPS, ${typeof tls === 'string' ? tls : 'certificate files'}`}, data ${c.dataDir})`);
    });
}
