import t from 'tap';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { sipAppliance, sipp, startDrachtio, EXTENSIONS } from '../../helpers/sip.js';
import { UdpPhone, challengeFields, digestAuthorization } from '../../helpers/sip-udp.js';
import { build } from '../../../appliance/app.js';
import { validateConfig } from '../../../appliance/config/load.js';
import { createLogger } from '../../../common/log.js';

// One drachtio-server for the file; each test has its own appliance (store).
const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;
const ext = EXTENSIONS[0]!;

t.test('REGISTER with digest: 401, then 200; the binding is in the store, the API and the metrics', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const r = await sipp('register-digest-200.xml', { target, service: ext.number, auth: { user: ext.number, password: ext.password }, keys: { contact_port: 5071, expires: 300 } });
  t.equal(r.code, 0, r.errors || r.stderr);
  const bindings = app.sip.bindings.contactsOf('101');
  t.equal(bindings.length, 1);
  t.equal(bindings[0]!.contact, 'sip:101@127.0.0.1:5071');
  t.equal(bindings[0]!.userAgent, 'SIPp-test-phone');
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const res = await app.http.inject({ url: '/api/v1/registrations', headers: bearer(sup) });
  t.equal(res.statusCode, 200);
  t.match(res.json().items, [{ extension: '101', contact: 'sip:101@127.0.0.1:5071', userAgent: 'SIPp-test-phone' }]);
  t.ok(res.json().items[0].expiresIn > 290 && res.json().items[0].expiresIn <= 300);
  const metrics = await app.metrics.registry.metrics();
  t.match(metrics, /swb_sip_registered_contacts 1/);
  t.match(metrics, /swb_sip_registrations_total\{outcome="registered"\} 1/);
  t.match(metrics, /swb_sip_registrations_total\{outcome="challenged"\} 1/);
  t.match(metrics, /swb_sip_drachtio_connected 1/);
});

t.test('a wrong password and an unknown user both get 403 after the same 401, and no binding', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const wrong = await sipp('register-wrong-password-403.xml', { target, service: '101', auth: { user: '101', password: 'not-the-password' } });
  t.equal(wrong.code, 0, wrong.errors);
  const unknown = await sipp('register-wrong-password-403.xml', { target, service: '999', auth: { user: '999', password: 'whatever' } });
  t.equal(unknown.code, 0, unknown.errors);
  t.same(app.sip.bindings.all(), [], 'no binding for either');
  t.match(await app.metrics.registry.metrics(), /swb_sip_registrations_total\{outcome="forbidden"\} 2/);
});

t.test('the challenge is the same for known and unknown users, so extensions cannot be enumerated', async (t) => {
  await sipAppliance(t, drachtio);
  const known = await sipp('register-expect-401.xml', { target, service: '101' });
  const unknown = await sipp('register-expect-401.xml', { target, service: '999' });
  t.equal(known.code, 0, known.errors);
  t.equal(unknown.code, 0, unknown.errors);
  const shape = (log: string): string[] => [...log.matchAll(/^WWW-Authenticate: (.*)$/gm)].map((m) => m[1]!.replace(/nonce="[^"]+"/, 'nonce="N"'));
  t.same(shape(unknown.messages), shape(known.messages));
  t.equal(shape(known.messages).length, 2, 'one challenge per algorithm: MD5 and SHA-256');
});

t.test('SHA-256 digest registers; credentials for another realm are challenged again; a replayed Authorization is stale', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { auth: { algorithms: ['SHA-256', 'MD5'] } } });
  const phone = await UdpPhone.open(drachtio.sipPort);
  t.teardown(() => phone.close());
  const first = await phone.registerAndWait({ user: '102', callId: 'sha-1', cseq: 1 });
  t.equal(first?.status, 401);
  const challenges = first!.header('WWW-Authenticate').map(challengeFields);
  t.same(challenges.map((c) => c.algorithm), ['SHA-256', 'MD5'], 'SHA-256 first (RFC 8760)');
  const c = challenges[0]!;
  const uri = `sip:127.0.0.1:${drachtio.sipPort}`;
  const otherRealm = digestAuthorization({ user: '102', password: 'pw-102-secret', realm: 'elsewhere', nonce: c.nonce!, uri, method: 'REGISTER', algorithm: 'SHA-256' });
  t.equal((await phone.registerAndWait({ user: '102', callId: 'sha-1', cseq: 2, authorization: otherRealm }))?.status, 401, 'mismatched realm: challenged again');
  t.equal(app.sip.bindings.contactsOf('102').length, 0);
  const good = digestAuthorization({ user: '102', password: 'pw-102-secret', realm: c.realm!, nonce: c.nonce!, uri, method: 'REGISTER', algorithm: 'SHA-256', cnonce: 'fixed' });
  t.equal((await phone.registerAndWait({ user: '102', callId: 'sha-1', cseq: 3, authorization: good }))?.status, 200, 'SHA-256 accepted');
  t.equal(app.sip.bindings.contactsOf('102').length, 1);
  const replay = await phone.registerAndWait({ user: '102', callId: 'sha-1', cseq: 4, authorization: good });
  t.equal(replay?.status, 401, 'the same nc and cnonce again: stale');
  t.match(replay!.header('WWW-Authenticate')[0], /stale=true/);
  const asOther = digestAuthorization({ user: '101', password: 'pw-101-secret', realm: c.realm!, nonce: c.nonce!, uri, method: 'REGISTER', algorithm: 'SHA-256' });
  t.equal((await phone.registerAndWait({ user: '102', callId: 'sha-1', cseq: 5, authorization: asOther }))?.status, 403, "101's credentials cannot register 102");
});

t.test('by default only MD5 is offered; a user agent named in sha256UserAgents is offered SHA-256 first and may answer with it', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { auth: { sha256UserAgents: ['ModernPhone'] } } });
  const phone = await UdpPhone.open(drachtio.sipPort);
  t.teardown(() => phone.close());
  const algorithmsFor = async (userAgent: string, user: string): Promise<string[]> =>
    (await phone.registerAndWait({ user, callId: `ua-${userAgent}-${user}`, cseq: 1, userAgent }))!.header('WWW-Authenticate').map((v) => challengeFields(v).algorithm!);
  t.same(await algorithmsFor('baresip v1.0.0 (x86_64/linux)', '102'), ['MD5'], 'one challenge, MD5: what every phone can answer');
  t.same(await algorithmsFor('modernphone/2.1', '102'), ['SHA-256', 'MD5'], 'the named user agent (any case) gets SHA-256 first');
  t.same(await algorithmsFor('modernphone/2.1', '999'), ['SHA-256', 'MD5'], 'the same for an extension that does not exist');
  const uri = `sip:127.0.0.1:${drachtio.sipPort}`;
  const answer = async (userAgent: string, callId: string): Promise<number | undefined> => {
    const c = challengeFields((await phone.registerAndWait({ user: '102', callId, cseq: 1, userAgent }))!.header('WWW-Authenticate')[0]!);
    const authorization = digestAuthorization({ user: '102', password: 'pw-102-secret', realm: c.realm!, nonce: c.nonce!, uri, method: 'REGISTER', algorithm: 'SHA-256' });
    return (await phone.registerAndWait({ user: '102', callId, cseq: 2, userAgent, authorization }))?.status;
  };
  t.equal(await answer('baresip v1.0.0', 'sha-unasked'), 401, 'SHA-256 from a user agent that was not offered it: challenged again');
  t.equal(app.sip.bindings.contactsOf('102').length, 0);
  t.equal(await answer('ModernPhone/2.1', 'sha-asked'), 200, 'SHA-256 from the named user agent registers');
  t.equal(app.sip.bindings.contactsOf('102').length, 1);
});

t.test('a stale nonce gets 401 stale=true, then the new nonce registers', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { auth: { algorithms: ['MD5'], nonceTtlSeconds: 1 } } });
  const r = await sipp('register-stale-nonce-401-then-200.xml', { target, service: '103', auth: { user: '103', password: 'pw-103-secret' } });
  t.equal(r.code, 0, r.errors);
  t.equal(app.sip.bindings.contactsOf('103').length, 1);
  t.match(await app.metrics.registry.metrics(), /swb_sip_registrations_total\{outcome="stale"\} 1/);
});

t.test('Expires: 0 removes one contact, Contact: * removes all; several contacts per extension', async (t) => {
  const { app } = await sipAppliance(t, drachtio);
  const r = await sipp('register-then-unregister-expires-0.xml', { target, service: '101', auth: { user: '101', password: 'pw-101-secret' } });
  t.equal(r.code, 0, r.errors);
  t.same(app.sip.bindings.contactsOf('101'), []);
  t.match(await app.metrics.registry.metrics(), /swb_sip_registrations_total\{outcome="unregistered"\} 2/);
});

t.test('an expiry below the minimum gets 423 with Min-Expires; above the maximum is cut to it', async (t) => {
  const { app } = await sipAppliance(t, drachtio, { sip: { registrar: { minExpires: 60, maxExpires: 120, defaultExpires: 60 } } });
  const brief = await sipp('register-too-brief-423.xml', { target, service: '101', auth: { user: '101', password: 'pw-101-secret' } });
  t.equal(brief.code, 0, brief.errors);
  t.match(brief.messages, /Min-Expires: 60/);
  t.same(app.sip.bindings.all(), []);
  const long = await sipp('register-digest-200.xml', { target, service: '101', auth: { user: '101', password: 'pw-101-secret' }, keys: { contact_port: 5072, expires: 7200 } });
  t.equal(long.code, 0, long.errors);
  t.match(long.messages, /expires=120/);
});

t.test('bindings survive a restart of the appliance', async (t) => {
  const { app, dataDir } = await sipAppliance(t, drachtio);
  t.equal((await sipp('register-digest-200.xml', { target, service: '101', auth: { user: '101', password: 'pw-101-secret' }, keys: { contact_port: 5073, expires: 300 } })).code, 0);
  await app.close();
  const again = await build({ config: validateConfig({ dataDir, extensions: EXTENSIONS }, 'test'), logger: createLogger({ level: 'silent' }) });
  t.teardown(() => again.close());
  t.match(again.sip.bindings.contactsOf('101'), [{ contact: 'sip:101@127.0.0.1:5073' }]);
});
