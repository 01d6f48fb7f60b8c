import type { Command } from 'commander';
import { SwitchboardError } from '../../../common/errors.js';
import { loadConfig } from '../../config/load.js';
import { listenTlsOf } from '../../http/tls-config.js';
import { loadServedTls, summarize } from '../../http/tls-material.js';
import { print } from '../io.js';

export function tlsCommands(program: Command): void {
  const tls = program.command('tls').description("the local listener's HTTPS certificate (listen.tls)");

  tls
    .command('show')
    .description("the certificate's SHA-256 fingerprint, names and expiry, to compare with what the browser shows")
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const mode = listenTlsOf(config.listen);
      if (mode === 'off') {
        throw new SwitchboardError('SWB_ERR_NOT_FOUND', `listen.tls is off: the listener on ${config.listen.host} serves plain HTTP and has no certificate`);
      }
      // Read only: a certificate made here, by whoever runs the CLI, could be unreadable to the service.
      const served = (await loadServedTls(config, { create: false }))!;
      const s = summarize(served.cert);
      const days = Math.floor((Date.parse(s.notAfter) - Date.now()) / 86_400_000);
      if (opts.json) {
        print(JSON.stringify({ source: served.source, file: served.certFile, ...s, daysLeft: days }));
        return;
      }
      print(`listen.tls:     ${served.source === 'files' ? 'files' : 'self-signed'} (${served.certFile})`);
      print(`SHA-256:        ${s.fingerprint}`);
      print(`subject:        ${s.subject}`);
      print(`names:          ${s.subjectAltNames.join(', ') || '(none)'}`);
      print(`valid from:     ${s.notBefore}`);
      print(`expires:        ${s.notAfter} (${days < 0 ? `expired ${-days} days ago` : `in ${days} days`})`);
    });
}
