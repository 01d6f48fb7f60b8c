import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/appliance.js';
import { ensureSelfSigned, namesFor, RENEW_BEFORE_DAYS, SELF_SIGNED_DAYS } from '../../../appliance/http/tls-self-signed.js';

const DAY = 86_400_000;

t.test('the self-signed certificate is an ECDSA P-256 server certificate for the listen address, loopback and the host name', async (t) => {
  const dataDir = await tempDir(t);
  const now = new Date('2027-01-10T12:00:00Z');
  const made = await ensureSelfSigned(dataDir, '127.0.0.41', now);
  t.equal(made.outcome, 'made');
  const x = new X509Certificate(made.cert);
  t.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.equal(x.ca, false);
  t.same(x.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'for server authentication only');
  t.ok(x.verify(x.publicKey), 'signed by its own key');
  t.equal(x.issuer, x.subject, 'self-issued');
  t.match(x.subjectAltName, /IP Address:127\.0\.0\.41/);
  t.match(x.subjectAltName, /DNS:localhost/);
  t.match(x.subject, /O=Switchboard self-signed/);
  t.equal(new Date(x.validTo).getTime() - now.getTime(), SELF_SIGNED_DAYS * DAY);
  t.equal(readFileSync(path.join(dataDir, 'tls/key.pem'), 'utf8'), made.key.toString());
  t.match(made.key.toString(), /^-----BEGIN PRIVATE KEY-----/);
  t.same(readdirSync(dataDir), ['tls'], 'no temporary directory left behind');
});

t.test('a wildcard address puts every interface address in the certificate', async (t) => {
  const v4 = namesFor('0.0.0.0');
  t.ok(v4.ips.includes('127.0.0.1'));
  t.notOk(v4.ips.some((ip) => ip.includes(':') && ip !== '::1'), 'IPv4 wildcard: no IPv6 interface addresses');
  t.notOk(namesFor('::').ips.some((ip) => ip.toLowerCase().startsWith('fe80:')), 'no link-local address (a URL cannot carry its zone)');
  t.same(namesFor('10.9.8.7').ips, ['10.9.8.7', '127.0.0.1', '::1']);
});

t.test('it is reused until close to expiry, then renewed and the old one kept aside', async (t) => {
  const dataDir = await tempDir(t);
  const start = new Date('2027-01-10T12:00:00Z');
  const first = await ensureSelfSigned(dataDir, '127.0.0.42', start);
  const later = new Date(start.getTime() + (SELF_SIGNED_DAYS - RENEW_BEFORE_DAYS - 1) * DAY);
  const again = await ensureSelfSigned(dataDir, '127.0.0.42', later);
  t.equal(again.outcome, 'reused');
  t.same(again.cert, first.cert);
  const renewed = await ensureSelfSigned(dataDir, '127.0.0.42', new Date(later.getTime() + 2 * DAY));
  t.equal(renewed.outcome, 'renewed');
  t.not(renewed.cert.toString(), first.cert.toString());
  const aside = readdirSync(dataDir).filter((n) => n.startsWith('tls.expired-'));
  t.equal(aside.length, 1);
  t.equal(readFileSync(path.join(dataDir, aside[0]!, 'cert.pem'), 'utf8'), first.cert.toString());
});

t.test('a key file opened to others is made private again; a broken pair is refused, never silently replaced', async (t) => {
  const dataDir = await tempDir(t);
  const first = await ensureSelfSigned(dataDir, '127.0.0.43');
  chmodSync(path.join(dataDir, 'tls/key.pem'), 0o644);
  const reused = await ensureSelfSigned(dataDir, '127.0.0.43');
  t.equal(reused.tightened, true);
  t.equal(statSync(path.join(dataDir, 'tls/key.pem')).mode & 0o777, 0o600);

  const other = await ensureSelfSigned(await tempDir(t), '127.0.0.43');
  writeFileSync(path.join(dataDir, 'tls/key.pem'), other.key, { mode: 0o600 });
  await t.rejects(ensureSelfSigned(dataDir, '127.0.0.43'), { code: 'SWB_ERR_CONFIG_INVALID', message: /self-signed: .*tls holds no usable certificate and key \(the key is not the certificate's\); move it away/ });
  writeFileSync(path.join(dataDir, 'tls/cert.pem'), 'not a certificate');
  await t.rejects(ensureSelfSigned(dataDir, '127.0.0.43'), { code: 'SWB_ERR_CONFIG_INVALID' });
  t.equal(readFileSync(path.join(dataDir, 'tls/cert.pem'), 'utf8'), 'not a certificate', 'left for the admin to look at');
  t.not(first.cert.toString(), other.cert.toString());
});
