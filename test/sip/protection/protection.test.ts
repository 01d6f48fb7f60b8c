import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { EXTENSIONS, sipAppliance, sipp, startDrachtio, waitFor } from '../../helpers/sip.js';
import { UdpPhone, challengeFields, digestAuthorization } from '../../helpers/sip-udp.js';

const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const ext = EXTENSIONS[0]!;

/** A legitimate phone on its own address registers with SIPp while the attack goes on. */
async function legitRegisters(address: string): Promise<number | null> {
  return (await sipp('register-digest-200.xml', { target, service: ext.number, auth: { user: ext.number, password: ext.password }, keys: { contact_port: 5080, expires: 300 }, extra: ['-i', address] })).code;
}

t.test('a REGISTER flood from one address is limited (503 Retry-After) while another phone keeps registering', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { protection: { registerPerSecond: 5, registerBurst: 10 } } });
  const flood = await UdpPhone.open(drachtio.sipPort, '127.0.0.2');
  t.teardown(() => flood.close());
  const statuses: number[] = [];
  flood.socket.on('message', (m) => statuses.push(Number(/^SIP\/2\.0 (\d{3})/.exec(m.toString())?.[1])));
  const legit = legitRegisters('127.0.0.3');
  // 400 REGISTERs a second for half a second: paced, so loss on loopback's socket buffers does not blur the count.
  for (let i = 0; i < 200; i++) {
    flood.register({ user: '101', callId: `flood-${i}`, cseq: 1 });
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50));
  }
  await waitFor(() => statuses.length >= 200, 5000, 'an answer to every flood REGISTER').catch(() => t.comment(`answers: ${statuses.length}`));
  t.equal(await legit, 0, 'the other phone registered');
  const limited = statuses.filter((s) => s === 503).length;
  const challenged = statuses.filter((s) => s === 401).length;
  t.ok(challenged >= 10 && challenged <= 16, `${challenged}: the burst and the refill got through to the digest check`);
  t.ok(limited >= 185, `${limited} refused with 503`);
  t.match(await app.metrics.registry.metrics(), /swb_sip_requests_refused_total\{method="REGISTER",reason="rate_limited"\} \d{3}/);
  t.equal(app.sip.bindings.contactsOf('101').length, 1);
});

t.test('password guessing from one address is banned after 5 failures; the ban is listed, audited and liftable', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const guesser = await UdpPhone.open(drachtio.sipPort, '127.0.0.4');
  t.teardown(() => guesser.close());
  const uri = `sip:127.0.0.1:${drachtio.sipPort}`;
  for (let i = 0; i < 5; i++) {
    const challenge = await guesser.registerAndWait({ user: '101', callId: `guess-${i}`, cseq: 1 });
    t.equal(challenge?.status, 401);
    const c = challengeFields(challenge!.header('WWW-Authenticate')[0]!);
    const auth = digestAuthorization({ user: '101', password: `guess-${i}`, realm: c.realm!, nonce: c.nonce!, uri, method: 'REGISTER', algorithm: 'MD5' });
    t.equal((await guesser.registerAndWait({ user: '101', callId: `guess-${i}`, cseq: 2, authorization: auth }))?.status, 403);
  }
  await waitFor(() => app.sip.bans.isBanned('127.0.0.4'), 2000, 'the ban');
  t.equal((await guesser.registerAndWait({ user: '101', callId: 'after', cseq: 1 }))?.status, 403, 'banned: no challenge any more');
  t.equal(await legitRegisters('127.0.0.5'), 0, 'another phone still registers');

  const admin = await userWithToken(app, 'ada', 'admin');
  const bans = (await app.http.inject({ url: '/api/v1/sip/bans', headers: bearer(admin) })).json().items;
  t.match(bans, [{ address: '127.0.0.4', reason: 'auth-failures', failures: 5 }]);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  t.equal((await app.http.inject({ url: '/api/v1/sip/bans', headers: bearer(sup) })).statusCode, 403, 'bans are for admins');
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/sip/bans/127.0.0.4', headers: bearer(admin) })).statusCode, 204);
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/sip/bans/127.0.0.4', headers: bearer(admin) })).statusCode, 404);
  t.equal((await guesser.registerAndWait({ user: '101', callId: 'lifted', cseq: 1 }))?.status, 401, 'lifted: challenged again');
  const audit = [...app.audit.all()].map((r) => ({ action: r.action, target: r.target, actor: r.actor }));
  t.match(audit.filter((r) => r.action.startsWith('sip.')), [
    { action: 'sip.ban', target: 'address:127.0.0.4', actor: 'system' },
    { action: 'sip.unban', target: 'address:127.0.0.4', actor: 'user:ada' },
  ]);
  const m = await app.metrics.registry.metrics();
  t.match(m, /swb_sip_bans_total\{reason="auth-failures"\} 1/);
  t.match(m, /swb_sip_requests_refused_total\{method="REGISTER",reason="banned"\} [1-9]/);
});

t.test('a known scanner User-Agent is refused and its address banned at once', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const scanner = await UdpPhone.open(drachtio.sipPort, '127.0.0.6');
  t.teardown(() => scanner.close());
  t.equal((await scanner.registerAndWait({ user: '101', callId: 'scan-1', cseq: 1, userAgent: 'friendly-scanner' }))?.status, 403);
  await waitFor(() => app.sip.bans.list().length === 1, 2000, 'the ban');
  t.match(app.sip.bans.list(), [{ address: '127.0.0.6', reason: 'scanner' }]);
  t.match(await app.metrics.registry.metrics(), /swb_sip_requests_refused_total\{method="REGISTER",reason="scanner"\} 1/);
});

t.test("with drachtio-server's spammer list (as lab mode configures it) a scanner gets no answer and never reaches the appliance", async (t) => {
  const guarded = await startDrachtio(t, { spammers: ['friendly-scanner', 'sipcli'] });
  const { app } = await sipAppliance(t, guarded);
  const scanner = await UdpPhone.open(guarded.sipPort, '127.0.0.7');
  t.teardown(() => scanner.close());
  // The peer build carries the spammers-discard patch: `action="discard"` answers nothing at all.
  t.equal(await scanner.registerAndWait({ user: '101', callId: 'scan-2', cseq: 1, userAgent: 'sipcli/v1.8' }, 1500), null, 'dropped by drachtio-server without an answer');
  t.notMatch(await app.metrics.registry.metrics(), /reason="scanner"/, 'the appliance never saw it');
  t.equal((await scanner.registerAndWait({ user: '101', callId: 'ok-2', cseq: 1, userAgent: 'Yealink SIP-T46S' }))?.status, 401, 'a phone is answered');
});
