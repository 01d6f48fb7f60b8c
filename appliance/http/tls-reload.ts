import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { isSwitchboardError } from '../../common/errors.js';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { Config } from '../config/schema.js';
import { auditServedCertificate, loadServedTls, secureContextOf, summarize } from './tls-material.js';

export interface TlsReloadDeps {
  config: Config;
  logger: Logger;
  store: Store;
  audit: AuditLog;
  /** The local listener's server: an https.Server when listen.tls is on. */
  server: unknown;
}

/**
 * SIGHUP: read the pair again and hand it to the listening server for new
 * connections; open ones keep theirs and nothing stops listening. A pair that
 * does not load (half-copied, mismatched, unreadable) leaves the old one served.
 */
export async function reloadTls(deps: TlsReloadDeps): Promise<'reloaded' | 'unchanged' | 'off' | 'failed'> {
  const { logger } = deps;
  const server = deps.server as Partial<TlsServer>;
  if (typeof server.setSecureContext !== 'function') {
    logger.info('SIGHUP: listen.tls is off, nothing to reload');
    return 'off';
  }
  try {
    const tls = await loadServedTls(deps.config, { create: false });
    if (!tls) return 'off';
    server.setSecureContext(secureContextOf(tls));
    const changed = await auditServedCertificate(deps.store, deps.audit, tls, 'SIGHUP');
    const summary = summarize(tls.cert);
    logger.info({ fingerprint: summary.fingerprint, notAfter: summary.notAfter, file: tls.certFile, changed }, 'SIGHUP: TLS certificate reloaded');
    return changed ? 'reloaded' : 'unchanged';
  } catch (err) {
    const reason = isSwitchboardError(err) ? err.message : (err as Error).message;
    logger.error({ code: isSwitchboardError(err) ? err.code : undefined, reason }, 'SIGHUP: TLS certificate not reloaded; the previous one is still served');
    return 'failed';
  }
}
