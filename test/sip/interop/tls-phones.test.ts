import path from 'node:path';
import t, { type Test } from 'tap';
import { tempDir } from '../../helpers/appliance.js';
import { sipAppliance, sipp, startDrachtio, waitFor } from '../../helpers/sip.js';
import { wavToneShare, writeToneWav } from '../../helpers/wav.js';
import { Baresip } from '../../helpers/phones/baresip.js';
import { endedCall, hears } from '../../helpers/phones/calls.js';
import type { PhoneAccount } from '../../helpers/phones/account.js';
import { loadSipTls } from '../../../appliance/sip-tls.js';
import type { Appliance } from '../../../appliance/app.js';

/*
 * Two baresip phones over SIP over TLS with SDES SRTP (srtp-mand: RTP/SAVP
 * only), through the real drachtio-server and the appliance, media phone to
 * phone: they register over TLS, are rung over TLS, hear each other, and the
 * SRTP offer reaches the callee unchanged. A tls-only extension is refused over
 * UDP (SIPp) with its right password, both to register and to call.
 */
const dir = await tempDir(t, 'swb-tls-phones-');
const pair = await loadSipTls({ dataDir: dir, sip: { tls: 'self-signed' } as never }, { create: true });
const drachtio = await startDrachtio(t, { sipTls: { certFile: pair!.certFile, keyFile: pair!.keyFile } });

const ACCOUNTS: Record<'a' | 'b', PhoneAccount & { hz: number }> = {
  a: { number: '301', password: 'pw-301-secret', transport: 'tls', hz: 440 },
  b: { number: '302', password: 'pw-302-secret', transport: 'tls', hz: 1000 },
};
const { app } = await sipAppliance(t, drachtio, {
  sip: { auth: {}, tls: { port: drachtio.tlsPort, cert: pair!.certFile, key: pair!.keyFile } },
  extensions: Object.values(ACCOUNTS).map(({ number, password }) => ({ number, password, name: `TLS ${number}`, transport: 'tls-only' })),
});
const tone = (hz: number): string => {
  const file = path.join(dir, `tone-${hz}.wav`);
  writeToneWav(file, hz, 20);
  return file;
};
const start = (a: PhoneAccount & { hz: number }) => Baresip.start(t, { target: `127.0.0.1:${drachtio.tlsPort}`, account: a, tone: tone(a.hz), autoAnswer: true, sipTrace: true, mediaenc: 'srtp-mand', cafile: pair!.certFile });
const phones = { a: await start(ACCOUNTS.a), b: await start(ACCOUNTS.b) };

t.test('baresip registers over TLS and the binding keeps its transport', async (t) => {
  await Promise.all([phones.a.registered(), phones.b.registered()]);
  for (const a of Object.values(ACCOUNTS)) {
    const b = app.sip.bindings.contactsOf(a.number)[0];
    t.match(b?.received, /^tls\/127\.0\.0\.1:\d+$/, `${a.number} registered over TLS: ${b?.received}`);
  }
  t.match(phones.a.output, /\{0\/TLS\/v4\} 200 OK/);
});


/** The SDES keys (a=crypto lines, RFC 4568) in a baresip SIP trace, in order. */
const cryptoLines = (trace: string): string[] => [...trace.matchAll(/^a=crypto:\d+ AES_CM_128_HMAC_SHA1_(?:80|32) inline:\S+/gm)].map((m) => m[0]);

t.test('a call between two TLS phones with SRTP: rung over TLS, audio both ways, the SDES offer passed on unchanged', async (t) => {
  const [caller, callee] = [ACCOUNTS.a, ACCOUNTS.b];
  await phones.a.command('dial', callee.number);
  await phones.a.event('CALL_ESTABLISHED');
  await phones.b.event('CALL_ESTABLISHED');
  await new Promise((r) => setTimeout(r, 4500));
  await phones.a.command('hangup');
  const call = await endedCall(app, caller.number, callee.number);
  t.match(call, { direction: 'internal', outcome: 'answered', endReason: 'caller', media: { anchor: 'direct' } });
  t.match(phones.b.output, /TLS [\d.:]+ -> [\d.:]+\s+INVITE sip:302/, 'the callee was sent its INVITE over TLS');
  t.match(phones.b.output, /m=audio \d+ RTP\/SAVP/, 'the callee was offered RTP/SAVP');
  t.match(phones.a.output, /m=audio \d+ RTP\/SAVP/, 'the caller was answered with RTP/SAVP');
  const offered = cryptoLines(phones.a.output);
  const received = cryptoLines(phones.b.output);
  t.ok(offered.length > 0 && received.length > 0, 'both sides carry a=crypto');
  t.ok(received.some((l) => offered.includes(l)), "the caller's own SDES key reached the callee: passed through unchanged");
  hears(t, phones.a.receivedWav(), callee.hz, caller.hz, 'the caller');
  hears(t, phones.b.receivedWav(), caller.hz, callee.hz, 'the callee');
});

t.test('a tls-only extension with its right password is refused over UDP, to register and to call, and it is counted', async (t) => {
  const target = `127.0.0.1:${drachtio.sipPort}`;
  const auth = { user: ACCOUNTS.a.number, password: ACCOUNTS.a.password };
  const reg = await sipp('register-wrong-password-403.xml', { target, service: ACCOUNTS.a.number, auth });
  t.equal(reg.code, 0, `REGISTER over UDP: 401, then 403 (${reg.errors})`);
  const inv = await sipp('call-refused-403.xml', { target, service: ACCOUNTS.a.number, auth, keys: { dialled: ACCOUNTS.b.number } });
  t.equal(inv.code, 0, `INVITE over UDP: 407, then 403 (${inv.errors})`);
  t.notOk(app.sip.bindings.contactsOf(ACCOUNTS.a.number).some((b) => b.received.startsWith('udp/')), 'no UDP binding was made');
  const metrics = await app.metrics.registry.metrics();
  t.match(metrics, /swb_sip_requests_refused_total\{method="REGISTER",reason="tls_required"\} 1/);
  t.match(metrics, /swb_sip_requests_refused_total\{method="INVITE",reason="tls_required"\} 1/);
});
