import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { runCli, startAppliance, stop } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/appliance.js';
import { fileFingerprint, handshake, httpsGet, makePair, plainHttpAnswer, servedFingerprint } from '../../helpers/tls.js';
import { Store } from '../../../domain/store/store.js';
import { auditLogOf } from '../../helpers/domain.js';

/*
 * The appliance process with listen.tls on, seen from outside: Debian's openssl
 * as the client for protocol versions and fingerprints, a raw socket for plain
 * HTTP, node's https for the headers. Loopback addresses only; loopback may opt in.
 */

async function configFile(dir: string, listen: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, JSON.stringify({ listen }));
  return file;
}

const portOf = (url: string): number => Number(new URL(url).port);

t.test('a TLS listener speaks TLS 1.2 and 1.3, refuses 1.0 and 1.1, gives plain HTTP no answer, sends HSTS, and shows the fingerprint tls show prints', async (t) => {
  const dir = await tempDir(t);
  const host = '127.0.0.21';
  const pair = makePair(dir, 'box', `IP:${host}`);
  const env = { SWITCHBOARD_CONFIG: await configFile(dir, { host, port: 0, tls: pair }), SWITCHBOARD_DATA_DIR: path.join(dir, 'data') };
  const { child, url } = await startAppliance(env);
  t.teardown(() => stop(child));
  t.match(url, /^https:\/\//);
  const port = portOf(url);

  t.match(await handshake(host, port, 'tls1_2'), { ok: true, protocol: 'TLSv1.2' });
  t.match(await handshake(host, port, 'tls1_3'), { ok: true, protocol: 'TLSv1.3' });
  for (const old of ['tls1', 'tls1_1'] as const) {
    const r = await handshake(host, port, old);
    t.equal(r.ok, false, `${old} is refused`);
    t.match(r.out, /alert protocol version/, `${old}: the server says which`);
  }

  const plain = await plainHttpAnswer(host, port);
  t.notMatch(plain, /^HTTP\//, 'plain HTTP to the TLS port gets no HTTP answer');
  t.notMatch(plain, /status|switchboard/i, 'and nothing of the API');

  const health = await httpsGet(`${url}/healthz`, readFileSync(pair.cert, 'utf8'));
  t.equal(health.status, 200, 'the API answers over HTTPS, verified against the configured certificate');
  t.equal(health.headers['strict-transport-security'], 'max-age=31536000');

  const served = await servedFingerprint(host, port);
  t.equal(served, await fileFingerprint(pair.cert), 'openssl sees the configured certificate');
  const show = await runCli(['tls', 'show'], { env });
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, new RegExp(`^SHA-256: +${served}$`, 'm'), 'tls show prints the fingerprint the client sees');
  t.match(show.stdout, /^listen\.tls: +files \(/m);
  t.match(show.stdout, new RegExp(`^names: +IP Address:${host.replace(/\./g, '\\.')}$`, 'm'));
  t.match(show.stdout, /^expires: +\d{4}-\d\d-\d\dT.+ \(in 29 days\)$/m);
});

t.test('the same openssl client does speak TLS 1.0 and 1.1 to a server that allows them (so the refusals above are the appliance\'s)', async (t) => {
  const dir = await tempDir(t);
  const pair = makePair(dir, 'old', 'IP:127.0.0.1');
  const server = tls.createServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key), minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  t.match(await handshake('127.0.0.1', port, 'tls1'), { ok: true, protocol: 'TLSv1' });
  t.match(await handshake('127.0.0.1', port, 'tls1_1'), { ok: true, protocol: 'TLSv1.1' });
});

t.test('plain HTTP on loopback (the default there) answers HTTP and sends no HSTS', async (t) => {
  const dir = await tempDir(t);
  const { child, url } = await startAppliance({ SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '127.0.0.22:0' });
  t.teardown(() => stop(child));
  t.match(url, /^http:\/\//);
  t.match(await plainHttpAnswer('127.0.0.22', portOf(url)), /^HTTP\/1\.1 200 OK/);
  const res = await fetch(`${url}/healthz`);
  t.equal(res.status, 200);
  t.equal(res.headers.get('strict-transport-security'), null);
  const show = await runCli(['tls', 'show'], { env: { SWITCHBOARD_DATA_DIR: dir, SWITCHBOARD_LISTEN: '127.0.0.22:0' } });
  t.equal(show.code, 1);
  t.match(show.stderr, /SWB_ERR_NOT_FOUND: .*listen\.tls is off: the listener on 127\.0\.0\.22 serves plain HTTP/);
});

t.test('beyond loopback the default is a self-signed certificate, and tls: off is refused at start naming listen.tls', async (t) => {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const env = { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '0.0.0.0:0', SWITCHBOARD_ALLOW: '192.0.2.0/24' };
  const { child, url, logs } = await startAppliance(env);
  t.teardown(() => stop(child));
  t.match(url, /^https:\/\//, 'TLS with no listen.tls in the config');
  const port = portOf(url);
  // Loopback is always allowed through listen.allow; the address is the wildcard's.
  const served = await servedFingerprint('127.0.0.1', port);
  const cert = readFileSync(path.join(dataDir, 'tls/cert.pem'), 'utf8');
  t.equal(served, await fileFingerprint(path.join(dataDir, 'tls/cert.pem')), 'it serves DATADIR/tls/cert.pem');
  t.equal(statSync(path.join(dataDir, 'tls/key.pem')).mode & 0o777, 0o600, 'its key is private');
  t.equal(statSync(path.join(dataDir, 'tls')).mode & 0o777, 0o700);
  const x = new (await import('node:crypto')).X509Certificate(cert);
  t.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1', 'ECDSA P-256');
  t.match(x.subjectAltName, /IP Address:127\.0\.0\.1/);
  t.match(logs.join('\n'), new RegExp(`"fingerprint":"${served}".*"selfSigned":"made".*serving HTTPS`), 'the journal has the fingerprint');
  const show = await runCli(['tls', 'show', '--json'], { env });
  t.match(JSON.parse(show.stdout), { source: 'self-signed', fingerprint: served, file: path.join(dataDir, 'tls/cert.pem') });
  t.equal((await httpsGet(`https://127.0.0.1:${port}/healthz`, cert)).status, 200, 'verified against its own certificate');

  const off = await configFile(dir, { host: '0.0.0.0', port: 0, allow: ['192.0.2.0/24'], tls: 'off' });
  const refused = await runCli(['start'], { env: { SWITCHBOARD_CONFIG: off, SWITCHBOARD_DATA_DIR: path.join(dir, 'other') } });
  t.equal(refused.code, 78);
  t.match(refused.stderr, /SWB_ERR_CONFIG_INVALID: .*listen\.tls: got "off", expected "self-signed" or \{cert, key\} when listen\.host \(0\.0\.0\.0\) is not loopback/);
  const check = await runCli(['config', 'check', off], {});
  t.equal(check.code, 78, 'config check says the same');
});

t.test('the self-signed certificate is made once and reused across restarts; each new one is audited once', async (t) => {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const env = { SWITCHBOARD_CONFIG: await configFile(dir, { host: '127.0.0.23', port: 0, tls: 'self-signed' }), SWITCHBOARD_DATA_DIR: dataDir };
  const fingerprints: string[] = [];
  for (const expected of ['made', 'reused']) {
    const { child, url, logs } = await startAppliance(env);
    fingerprints.push(await servedFingerprint('127.0.0.23', portOf(url)));
    t.match(logs.join('\n'), new RegExp(`"selfSigned":"${expected}"`));
    t.equal(await stop(child), 0);
  }
  t.equal(fingerprints[1], fingerprints[0], 'the second start serves the same certificate');
  const store = await Store.open({ dataDir });
  t.teardown(() => store.close());
  const records = auditLogOf(store).page({ limit: 100, action: 'tls.certificate' }).items;
  t.equal(records.length, 1);
  t.match(records[0], { actor: 'system', source: 'start', target: 'listen.tls', details: { fingerprint: fingerprints[0], from: 'self-signed' } });
});

t.test('a certificate file that is missing or not the key\'s is a configuration error at start (exit 78), naming the key', async (t) => {
  const dir = await tempDir(t);
  const a = makePair(dir, 'a', 'IP:127.0.0.24');
  const b = makePair(dir, 'b', 'IP:127.0.0.24');
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ cert: path.join(dir, 'missing.crt'), key: a.key }, /listen\.tls\.cert: .*missing\.crt: ENOENT/],
    [{ cert: a.cert, key: b.key }, /listen\.tls\.key: .*b\.key: not the private key of .*a\.crt/],
    [{ cert: a.key, key: a.key }, /listen\.tls\.cert: .*a\.key: not a PEM certificate/],
  ];
  for (const [pair, message] of cases) {
    const r = await runCli(['start'], { env: { SWITCHBOARD_CONFIG: await configFile(dir, { host: '127.0.0.24', port: 0, tls: pair }), SWITCHBOARD_DATA_DIR: path.join(dir, 'data') } });
    t.equal(r.code, 78);
    t.match(r.stdout + r.stderr, message);
  }
});
