import type { Command } from 'commander';
import { loadConfigSource } from '../../config/load.js';
import { describeExposure, findExposures, resolveSecrets } from '../../config/exposure.js';
import { SwitchboardError } from '../../../common/errors.js';
import { listenTlsOf } from '../../http/tls-config.js';
import { loadServedTls } from '../../http/tls-material.js';
import { print } from '../io.js';

export function configCommands(program: Command): void {
  const config = program.command('config').description('the configuration file');

  config
    .command('check [file]')
    .description('validate a configuration file (default: $SWITCHBOARD_CONFIG) and read every secret it names, without starting')
    .option('--strict', 'also fail when the file holds inline secrets and every user can read it, or a secret file it names is readable by every user')
    .action(async (given: string | undefined, opts: { strict?: boolean }) => {
      // As start reads it: the named file, else $SWITCHBOARD_CONFIG, else the embedded defaults; the environment overrides apply.
      const { config: c, raw, file: read } = loadConfigSource(given ? { file: given } : {});
      const file = read ?? '(defaults)';
      const secrets = resolveSecrets(c);
      const exposed = findExposures(read, raw, c).map(describeExposure);
      if (opts.strict && exposed.length) throw new SwitchboardError('SWB_ERR_CONFIG_EXPOSED', exposed.join('; '));
      for (const line of exposed) process.stderr.write(`switchboard: warning: ${line}\n`);
      const tls = listenTlsOf(c.listen);
      // The pair is read at start too: a missing or mismatched file is as much a config error as a bad key.
      if (typeof tls === 'object') await loadServedTls(c, { create: false });
      print(`${file}: valid (listen ${c.listen.host}:${c.listen.port} ${tls === 'off' ? 'plain HTTP' : `HTTPS, ${typeof tls === 'string' ? tls : 'certificate files'}`}, data ${c.dataDir}, ${secrets} secret${secrets === 1 ? '' : 's'} read)`);
    });
}
