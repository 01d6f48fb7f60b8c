import { connect } from 'node:tls';
import type { Logger } from 'pino';
import type { DrachtioConnection } from './connection.js';

export type ServedTlsResult =
  | { state: 'off' }
  | { state: 'matches'; address: string; fingerprint: string }
  | { state: 'stale'; address: string; fingerprint: string; expected: string }
  | { state: 'missing'; expected: string }
  | { state: 'unreachable'; address: string; why: string };

/**
 * Whether drachtio-server serves the certificate sip.tls names. drachtio-server
 * reads its TLS files once, at start: its SIGHUP re-reads drachtio.conf.xml for
 * log levels and the like but keeps serving the old certificate (checked with
 * 0.9.4-rc1). So after a renewal the appliance cannot make it serve the new
 * pair; it can only look at what is served, at each connection and each
 * SIGHUP, and say plainly that drachtio-server needs a restart.
 */
export class ServedTlsCheck {
  private expected: string | null = null;
  private hostports = '';

  constructor(
    connection: DrachtioConnection,
    private readonly logger: Logger,
  ) {
    connection.on('up', (hostports) => {
      this.hostports = hostports ?? '';
      if (this.expected) void this.check();
    });
  }

  /** The SHA-256 fingerprint (as X509Certificate.fingerprint256) drachtio-server should serve; null: SIP over TLS is off. */
  expect(fingerprint: string | null): void {
    this.expected = fingerprint;
  }

  /** drachtio-server's TLS listeners, from what it told us at connection ("tls/127.0.0.1:5061,udp/..."). */
  get listeners(): string[] {
    return this.hostports
      .split(',')
      .map((h) => h.trim())
      .filter((h) => /^tls\//i.test(h))
      .map((h) => h.slice(4));
  }

  async check(): Promise<ServedTlsResult> {
    const expected = this.expected;
    if (!expected) return { state: 'off' };
    const address = this.listeners[0];
    if (!address) {
      this.logger.error({ expected }, 'sip.tls is on but drachtio-server has no TLS contact: add <contact>sips:ADDRESS:PORT;transport=tls</contact> and its <tls> files to drachtio.conf.xml');
      return { state: 'missing', expected };
    }
    const result = await fingerprintAt(address).then(
      (fingerprint): ServedTlsResult => (fingerprint === expected ? { state: 'matches', address, fingerprint } : { state: 'stale', address, fingerprint, expected }),
      (err: Error): ServedTlsResult => ({ state: 'unreachable', address, why: err.message }),
    );
    if (result.state === 'stale') this.logger.warn({ served: result.fingerprint, expected, address }, 'drachtio-server serves another certificate than sip.tls names: restart drachtio-server to serve the new one (it reads its TLS files only at start; calls in progress end)');
    else if (result.state === 'unreachable') this.logger.warn({ address, why: result.why }, 'drachtio-server TLS listener did not answer a handshake');
    else if (result.state === 'matches') this.logger.info({ address, fingerprint: result.fingerprint }, 'drachtio-server serves the sip.tls certificate');
    return result;
  }
}

/** The leaf certificate's fingerprint at host:port; nothing is sent after the handshake. */
function fingerprintAt(address: string, timeoutMs = 3000): Promise<string> {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  if (!m) return Promise.reject(new Error(`not host:port: ${address}`));
  const [, host, port] = m;
  return new Promise((resolve, reject) => {
    // Only looked at, never trusted: this is the box's own listener and the answer is compared with the file.
    const s = connect({ host: host!, port: Number(port), rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const timer = setTimeout(() => s.destroy(new Error('no TLS handshake in time')), timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const fp = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
