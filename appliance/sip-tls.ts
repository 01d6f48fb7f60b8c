import path from 'node:path';
import type { Logger } from 'pino';
import { SwitchboardError, isSwitchboardError } from '../common/errors.js';
import type { Store } from '../domain/store/store.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import { sipTlsOf } from '../sip/config.js';
import type { SipService } from '../sip/service.js';
import type { Config } from './config/schema.js';
import { auditServedCertificate, readPemPair, summarize, type ServedTls } from './http/tls-material.js';
import { ensureSelfSigned, readSelfSigned, selfSignedFiles } from './http/tls-self-signed.js';

/**
 * sip.tls's certificate: the admin's PEM pair or one the box makes for itself
 * (the API's self-signed maker, in DATADIR/sip-tls rather than DATADIR/tls).
 * drachtio-server serves it; the appliance makes and checks it, audits each new
 * one and looks at what drachtio-server actually serves (sip/drachtio/served-tls.ts).
 */
export interface SipTlsMaterial extends ServedTls {
  port: number;
  minVersion: 'TLSv1.2';
}

const AUDIT = { target: 'sip.tls', metaKey: 'sipTlsFingerprint' };

export function sipTlsFiles(dataDir: string): { dir: string; cert: string; key: string } {
  return selfSignedFiles(dataDir, 'sip-tls');
}

/** The pair sip.tls names, or null when SIP over TLS is off. `create` makes a missing self-signed pair (the appliance's start, lab mode). */
export async function loadSipTls(config: Pick<Config, 'dataDir' | 'sip'>, opts: { create: boolean }): Promise<SipTlsMaterial | null> {
  const tls = sipTlsOf(config.sip.tls);
  if (!tls) return null;
  const extra = { port: tls.port, minVersion: tls.minVersion };
  if (tls.certificate !== 'self-signed') return { ...(await readPemPair({ cert: path.resolve(tls.certificate.cert), key: path.resolve(tls.certificate.key) }, 'sip.tls')), ...extra };
  const files = sipTlsFiles(config.dataDir);
  if (opts.create) {
    // Phones reach the box on any of its addresses: every interface's goes into the certificate.
    const made = await ensureSelfSigned(config.dataDir, '0.0.0.0', new Date(), files, 'sip.tls');
    return { cert: made.cert, key: made.key, source: 'self-signed', certFile: files.cert, keyFile: files.key, selfSigned: { outcome: made.outcome, tightened: made.tightened }, ...extra };
  }
  const found = await readSelfSigned(files, 'sip.tls');
  if (!found) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `no self-signed SIP certificate yet in ${files.dir}: the appliance makes it at its first start with sip.tls: self-signed`);
  return { ...found, source: 'self-signed', certFile: files.cert, keyFile: files.key, ...extra };
}

/** At start: audit a new certificate, log where it is, and tell the SIP module what drachtio-server should serve. */
export async function announceSipTls(deps: { store: Store; audit: AuditLog; logger: Logger; sip: SipService }, tls: SipTlsMaterial, source: string): Promise<boolean> {
  const changed = await auditServedCertificate(deps.store, deps.audit, tls, source, AUDIT);
  const { fingerprint, notAfter } = summarize(tls.cert);
  deps.sip.servedTls.expect(fingerprint);
  if (tls.selfSigned?.tightened) deps.logger.warn({ file: tls.keyFile }, 'the SIP TLS key file was readable by others; it is 0600 again');
  deps.logger.info({ fingerprint, notAfter, cert: tls.certFile, key: tls.keyFile, port: tls.port, selfSigned: tls.selfSigned?.outcome, changed }, 'SIP over TLS: drachtio-server must serve this certificate');
  return changed;
}

/**
 * SIGHUP: read sip.tls's files again, audit a new certificate and check what drachtio-server serves.
 * drachtio-server reads its TLS files only at start, so a new pair needs a restart of drachtio-server;
 * the check says so in the log. A pair that does not load leaves everything as it was.
 */
export async function reloadSipTls(deps: { config: Config; store: Store; audit: AuditLog; logger: Logger; sip: SipService }): Promise<'off' | 'failed' | 'matches' | 'stale' | 'missing' | 'unreachable'> {
  try {
    const tls = await loadSipTls(deps.config, { create: false });
    if (!tls) return 'off';
    await announceSipTls(deps, tls, 'SIGHUP');
    return (await deps.sip.servedTls.check()).state as 'matches' | 'stale' | 'missing' | 'unreachable';
  } catch (err) {
    deps.logger.error({ code: isSwitchboardError(err) ? err.code : undefined, reason: (err as Error).message }, 'SIGHUP: sip.tls certificate not reloaded');
    return 'failed';
  }
}
