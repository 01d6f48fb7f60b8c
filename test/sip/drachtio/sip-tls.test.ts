import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { tempDir } from '../../helpers/appliance.js';
import { sipAppliance, startDrachtio, waitFor } from '../../helpers/sip.js';
import { fileFingerprint, handshake, makePair, servedFingerprint } from '../../helpers/tls.js';
import { loadSipTls, reloadSipTls } from '../../../appliance/sip-tls.js';
import { drachtioConfigXml } from '../../../lab/drachtio/server-process.js';

/*
 * SIP over TLS on the real drachtio-server: the pair sip.tls names (here the
 * box's own self-signed one, made by the appliance's certificate maker),
 * TLS 1.2 as the floor, and what happens on SIGHUP: drachtio-server keeps
 * serving the certificate it read at start, and the appliance says so.
 */
const dir = await tempDir(t, 'swb-sip-tls-');
const made = await loadSipTls({ dataDir: dir, sip: { tls: 'self-signed' } as never }, { create: true });
// Debian's system OpenSSL configuration already sets TLS 1.2 as the floor; without it (an empty one, as on
// other systems) drachtio-server's own default would be TLS 1.0, so the floor checked below is ours.
const emptyOpensslConf = path.join(dir, 'openssl-empty.cnf');
writeFileSync(emptyOpensslConf, '');
process.env.OPENSSL_CONF = emptyOpensslConf;
const drachtio = await startDrachtio(t, { sipTls: { certFile: made!.certFile, keyFile: made!.keyFile } });
delete process.env.OPENSSL_CONF;

t.test('drachtio-server is configured with a sips: contact, the pair as chain, and TLS 1.2 as its floor', async (t) => {
  const xml = drachtioConfigXml({ adminHost: '127.0.0.1', adminPort: 9022, secret: 's', contacts: [], sipTls: { host: '127.0.0.1', port: 5061, certFile: '/c.pem', keyFile: '/k.pem' } });
  t.match(xml, '<contact>sips:127.0.0.1:5061;transport=tls</contact>');
  t.match(xml, '<key-file>/k.pem</key-file><cert-file>/c.pem</cert-file><chain-file>/c.pem</chain-file><min-tls-version>1.2</min-tls-version>');
});

t.test('TLS 1.0 and 1.1 are refused on the SIP TLS port; TLS 1.2 and 1.3 are served', async (t) => {
  for (const v of ['tls1', 'tls1_1'] as const) {
    const r = await handshake('127.0.0.1', drachtio.tlsPort, v);
    t.notOk(r.ok, `${v} refused`);
    t.match(r.out, /alert protocol version/, `${v}: refused for its protocol version`);
  }
  t.equal((await handshake('127.0.0.1', drachtio.tlsPort, 'tls1_2')).protocol, 'TLSv1.2');
  t.equal((await handshake('127.0.0.1', drachtio.tlsPort, 'tls1_3')).protocol, 'TLSv1.3');
  t.equal(await servedFingerprint('127.0.0.1', drachtio.tlsPort), await fileFingerprint(made!.certFile), 'the self-signed pair from DATADIR/sip-tls is what is served');
  const names = new X509Certificate(made!.cert).subjectAltName ?? '';
  t.match(names, 'IP Address:127.0.0.1', 'the certificate names the loopback address phones here use');
});

t.test('the appliance checks what drachtio-server serves, audits a new pair on SIGHUP and says drachtio-server must restart', async (t) => {
  const own = await tempDir(t, 'swb-sip-tls-own-');
  const pair = { cert: `${own}/sip.crt`, key: `${own}/sip.key` };
  copyFileSync(made!.certFile, pair.cert);
  copyFileSync(made!.keyFile, pair.key);
  const { app, logs } = await sipAppliance(t, drachtio, { sip: { tls: { port: drachtio.tlsPort, cert: pair.cert, key: pair.key } } });
  await waitFor(() => logs.text.includes('drachtio-server serves the sip.tls certificate'), 10_000, 'the served certificate check at connection');
  t.same(app.sip.servedTls.listeners, [`127.0.0.1:${drachtio.tlsPort}`], 'drachtio-server reported its TLS listener');

  const next = makePair(own, 'next', 'IP:127.0.0.1');
  copyFileSync(next.cert, pair.cert);
  copyFileSync(next.key, pair.key);
  t.equal(await reloadSipTls(app), 'stale', 'after SIGHUP: drachtio-server still serves the old certificate');
  t.match(logs.text, /restart drachtio-server to serve the new one/);
  const audited = app.audit.page({ limit: 50, action: 'tls.certificate' }).items.filter((r) => r.target === 'sip.tls');
  t.equal(audited.at(-1)?.details?.fingerprint, new X509Certificate(readFileSync(next.cert)).fingerprint256, 'the new certificate is audited');

  // drachtio-server restarted on the new pair (as its unit would be): now it matches.
  await drachtio.server.stop();
  const restarted = await startDrachtio(t, { sipTls: { certFile: pair.cert, keyFile: pair.key } });
  t.equal(await servedFingerprint('127.0.0.1', restarted.tlsPort), await fileFingerprint(next.cert), 'a restarted drachtio-server serves the new pair');
});

t.test('a broken sip.tls pair is a configuration error naming the key', async (t) => {
  const own = await tempDir(t, 'swb-sip-tls-bad-');
  const a = makePair(own, 'a', 'IP:127.0.0.1');
  const b = makePair(own, 'b', 'IP:127.0.0.1');
  await t.rejects(loadSipTls({ dataDir: own, sip: { tls: { cert: a.cert, key: b.key } } as never }, { create: false }), { code: 'SWB_ERR_CONFIG_INVALID', details: { key: 'sip.tls.key' } });
});
