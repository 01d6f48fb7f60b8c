import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SecureContextOptions } from 'node:tls';
import { SwitchboardError } from '../../common/errors.js';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { Config } from '../config/schema.js';
import { listenTlsOf, type TlsFiles } from './tls-config.js';
import { ensureSelfSigned, readSelfSigned, selfSignedFiles, type SelfSigned } from './tls-self-signed.js';

/** What the local listener serves: the PEM pair and where it came from. */
export interface ServedTls {
  cert: Buffer;
  key: Buffer;
  source: 'files' | 'self-signed';
  certFile: string;
  keyFile: string;
  /** Only for the self-signed pair, at start: reused, made, renewed, and whether its key had to be made private again. */
  selfSigned?: Pick<SelfSigned, 'outcome' | 'tightened'>;
}

/** TLS 1.0 and 1.1 are refused: no browser the console supports needs them, and they are deprecated (RFC 8996). */
export const TLS_MIN_VERSION = 'TLSv1.2';

/** The options for the listener and for every later reload alike, so a reload never loosens the protocol floor. */
export function secureContextOf(tls: ServedTls): SecureContextOptions {
  return { cert: tls.cert, key: tls.key, minVersion: TLS_MIN_VERSION };
}

/**
 * The pair `listen.tls` names, or null for plain HTTP. With `create`, a missing
 * self-signed pair is made (the appliance's start); without it (the CLI, which
 * must not leave files the service cannot read) a missing one is an error.
 */
export async function loadServedTls(config: Config, opts: { create: boolean }): Promise<ServedTls | null> {
  const tls = listenTlsOf(config.listen);
  if (tls === 'off') return null;
  if (tls !== 'self-signed') return readPemPair(tls, 'listen.tls');
  const files = selfSignedFiles(config.dataDir);
  if (opts.create) {
    const made = await ensureSelfSigned(config.dataDir, config.listen.host);
    return { cert: made.cert, key: made.key, source: 'self-signed', certFile: files.cert, keyFile: files.key, selfSigned: { outcome: made.outcome, tightened: made.tightened } };
  }
  const found = await readSelfSigned(files);
  if (!found) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `no self-signed certificate yet in ${files.dir}: the appliance makes it at its first start with listen.tls: self-signed`);
  return { ...found, source: 'self-signed', certFile: files.cert, keyFile: files.key };
}

/** An admin's PEM pair, checked to be a certificate and its own unencrypted key; errors name `configKey`.cert / .key. */
export async function readPemPair(files: TlsFiles, configKey: string): Promise<ServedTls> {
  const read = async (which: 'cert' | 'key'): Promise<Buffer> => {
    try {
      return await readFile(files[which]);
    } catch (err) {
      throw badFile(configKey, which, files[which], (err as NodeJS.ErrnoException).code ?? 'unreadable');
    }
  };
  const [cert, key] = [await read('cert'), await read('key')];
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw badFile(configKey, 'cert', files.cert, 'not a PEM certificate');
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw badFile(configKey, 'key', files.key, 'not a PEM private key (an encrypted key cannot be read unattended)');
  }
  if (!matches) throw badFile(configKey, 'key', files.key, `not the private key of ${files.cert}`);
  return { cert, key, source: 'files', certFile: files.cert, keyFile: files.key };
}

function badFile(configKey: string, which: 'cert' | 'key', file: string, why: string): SwitchboardError {
  const key = `${configKey}.${which}`;
  return new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${key}: ${file}: ${why}`, { key, value: file, expected: which === 'cert' ? 'a PEM certificate' : `the PEM private key of ${configKey}.cert` });
}

export interface CertificateSummary {
  /** SHA-256 of the DER certificate, colon-separated upper-case hex, as browsers show it. */
  fingerprint: string;
  subject: string;
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
}

/** The served (first) certificate of a PEM file, as an admin compares it with a browser's certificate viewer. */
export function summarize(certPem: Buffer | string): CertificateSummary {
  const x = new X509Certificate(certPem);
  return {
    fingerprint: x.fingerprint256,
    subject: x.subject.split('\n').join(', '),
    subjectAltNames: x.subjectAltName ? x.subjectAltName.split(', ') : [],
    notBefore: new Date(x.validFrom).toISOString(),
    notAfter: new Date(x.validTo).toISOString(),
  };
}

/**
 * Who the box claims to be is security-relevant: each time the served
 * certificate differs from the last one served (first start, renewal, a new
 * pair on SIGHUP or at start), one tls.certificate record says which.
 */
export async function auditServedCertificate(store: Store, audit: AuditLog, tls: ServedTls, source: string, served: { target: string; metaKey: string } = { target: 'listen.tls', metaKey: 'tlsFingerprint' }): Promise<boolean> {
  const summary = summarize(tls.cert);
  return store.write(() => {
    const meta = store.db<string>('meta');
    if (meta.get(served.metaKey) === summary.fingerprint) return false;
    meta.putSync(served.metaKey, summary.fingerprint);
    audit.append({ actor: 'system', source, action: 'tls.certificate', target: served.target, details: { fingerprint: summary.fingerprint, from: tls.source, notAfter: summary.notAfter } });
    return true;
  });
}
