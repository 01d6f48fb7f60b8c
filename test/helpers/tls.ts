import { execFileSync, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

/*
 * The TLS listener seen from outside, with Debian's openssl as the client, the
 * way an admin would look at it.
 */

export type TlsFlag = 'tls1' | 'tls1_1' | 'tls1_2' | 'tls1_3';

async function run(cmd: string, args: string[], input = ''): Promise<{ code: number | null; out: string }> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, out };
}

/**
 * One handshake with exactly this protocol version. SECLEVEL=0 lets this
 * OpenSSL offer TLS 1.0/1.1 at all (its default refuses them itself), so a
 * refusal is the server's.
 */
export async function handshake(host: string, port: number, version: TlsFlag): Promise<{ ok: boolean; protocol: string | null; out: string }> {
  const { code, out } = await run('openssl', ['s_client', '-brief', '-connect', `${host}:${port}`, `-${version}`, '-cipher', 'DEFAULT:@SECLEVEL=0']);
  const protocol = /Protocol version: (\S+)/.exec(out)?.[1] ?? null;
  return { ok: code === 0 && protocol !== null, protocol, out };
}

/** The SHA-256 fingerprint of the certificate the server presents, as `openssl x509 -fingerprint` prints it. */
export async function servedFingerprint(host: string, port: number): Promise<string> {
  const { out } = await run('openssl', ['s_client', '-connect', `${host}:${port}`]);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
  if (!pem) throw new Error(`no certificate from ${host}:${port}: ${out}`);
  return fileFingerprintOf(pem);
}

async function fileFingerprintOf(pem: string): Promise<string> {
  const { out } = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], pem);
  const fp = /Fingerprint=([0-9A-F:]+)/i.exec(out)?.[1];
  if (!fp) throw new Error(`openssl x509 printed no fingerprint: ${out}`);
  return fp;
}

export async function fileFingerprint(file: string): Promise<string> {
  return fileFingerprintOf(readFileSync(file, 'utf8'));
}

/** Sends a plain HTTP request to the port and returns every byte that came back before the server closed it. */
export async function plainHttpAnswer(host: string, port: number): Promise<string> {
  const socket = net.connect(port, host);
  let got = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
  socket.on('error', () => {});
  socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
  const timer = setTimeout(() => socket.destroy(new Error('the server kept the connection open')), 10_000);
  await once(socket, 'close');
  clearTimeout(timer);
  return got.toString('latin1');
}

/** An ECDSA P-256 pair made by openssl, with its names in subjectAltName. */
export function makePair(dir: string, name: string, san: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { cert, key };
}

/** Base64 SHA-256 of the certificate's public key: what Chromium's --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certPem: string): string {
  return createHash('sha256').update(createPublicKey(certPem).export({ type: 'spki', format: 'der' })).digest('base64');
}

/** GET over HTTPS, trusting only the given certificate. */
export async function httpsGet(url: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}
