import t from 'tap';
import type { Test } from 'tap';
import { testAppliance, userWithToken, bearer, STRONG_PASSWORD } from '../../../helpers/appliance.js';

const HOST = '127.0.0.1:8080';
const ORIGIN = `http://${HOST}`;

async function setup(t: Test) {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator', department: 'sales' }, { actor: 'test', source: 'test' });
  const client = await app.clients.create({ name: 'C' }, { actor: 'test', source: 'test' });
  const conv = await app.conversations.open({ clientId: client.id, channelId: null, department: 'sales' }, { actor: 'test', source: 'test' });
  return { app, conv };
}

t.test('the console sign-in sets an HttpOnly, Secure, SameSite=Strict cookie and hands the page only a CSRF token', async (t) => {
  const { app } = await setup(t);
  const r = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: HOST, origin: ORIGIN }, payload: { username: 'olga', password: STRONG_PASSWORD } });
  t.equal(r.statusCode, 201);
  const cookie = String(r.headers['set-cookie']);
  t.match(cookie, /^__Host-swb_session=swbs_[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  const body = r.json() as Record<string, unknown>;
  t.match(body, { username: 'olga', role: 'operator', department: 'sales', idleSeconds: 1800 });
  t.notOk(JSON.stringify(body).includes(cookie.split(';')[0]!.split('=')[1]!), 'the body does not carry the session secret');
});

t.test('a write with the session cookie needs this origin and the CSRF token; reads need neither; bearer tokens need neither', async (t) => {
  const { app, conv } = await setup(t);
  const login = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: HOST, origin: ORIGIN }, payload: { username: 'olga', password: STRONG_PASSWORD } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const csrf = (login.json() as { csrf: string }).csrf;
  const close = (headers: Record<string, string>) => app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/close`, headers: { host: HOST, cookie, ...headers }, payload: {} });

  t.equal((await app.http.inject({ method: 'GET', url: `/api/v1/conversations/${conv.id}`, headers: { host: HOST, cookie } })).statusCode, 200, 'a read with the cookie alone');
  for (const [what, headers] of [
    ['no Origin', { 'x-csrf-token': csrf }],
    ['another origin', { origin: 'https://evil.example', 'x-csrf-token': csrf }],
    ['a cross-site fetch', { origin: ORIGIN, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf }],
    ['no token', { origin: ORIGIN }],
    ['a wrong token', { origin: ORIGIN, 'x-csrf-token': csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }],
  ] as const) {
    const r = await close(headers);
    t.equal(r.statusCode, 403, what);
    t.equal((r.json() as { error: string }).error, 'SWB_ERR_CSRF', what);
  }
  t.equal(app.conversations.get(conv.id)?.status, 'open', 'none of them closed it');
  t.equal((await close({ origin: ORIGIN, 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrf })).statusCode, 200, 'this origin with the token');

  const sup = await userWithToken(app, 'sup', 'supervisor');
  const reopen = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/reopen`, headers: { host: HOST, ...bearer(sup) } });
  t.equal(reopen.statusCode, 200, 'a machine with a bearer token needs no CSRF token');

  const out = await app.http.inject({ method: 'DELETE', url: '/api/v1/browser/session', headers: { host: HOST, cookie, origin: ORIGIN, 'x-csrf-token': csrf } });
  t.equal(out.statusCode, 204);
  t.match(String(out.headers['set-cookie']), /Max-Age=0/);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/browser/session', headers: { host: HOST, cookie } })).statusCode, 401, 'the cookie is dead after sign-out');
});

t.test('a sign-in from another origin is refused before the password is tried, and plain HTTP beyond loopback is refused', async (t) => {
  const { app } = await setup(t);
  const cross = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: HOST, origin: 'https://evil.example' }, payload: { username: 'olga', password: 'wrong' } });
  t.equal(cross.statusCode, 403);
  t.equal((cross.json() as { error: string }).error, 'SWB_ERR_CSRF');
  t.notOk([...app.audit.all()].some((a) => a.action === 'login.failure'), 'no failure counted toward a lockout');

  const lan = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: '192.168.10.5:8080', origin: 'http://192.168.10.5:8080' }, payload: { username: 'olga', password: STRONG_PASSWORD } });
  t.equal(lan.statusCode, 403);
  t.equal((lan.json() as { error: string }).error, 'SWB_ERR_INSECURE_TRANSPORT');
  t.notOk(lan.headers['set-cookie'], 'no cookie over plain HTTP');
  for (const host of ['localhost:8080', '[::1]:8080', '127.0.0.2:8080']) {
    const r = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host, origin: `http://${host}` }, payload: { username: 'olga', password: STRONG_PASSWORD } });
    t.equal(r.statusCode, 201, `${host} is loopback`);
  }
});

t.test('a pending TOTP enrolment gets its QR code only after the right password, and that is audited', async (t) => {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'root', password: STRONG_PASSWORD, role: 'admin', department: null }, { actor: 'test', source: 'test' });
  const wrong = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: HOST, origin: ORIGIN }, payload: { username: 'root', password: 'wrong password' } });
  t.equal(wrong.statusCode, 401);
  t.notOk(JSON.stringify(wrong.json()).includes('otpauth'), 'no secret for a wrong password');
  const right = await app.http.inject({ method: 'POST', url: '/api/v1/browser/session', headers: { host: HOST, origin: ORIGIN }, payload: { username: 'root', password: STRONG_PASSWORD } });
  t.equal(right.statusCode, 401);
  const body = right.json() as { error: string; details: { enrolment: string; totpUri: string; qr: string } };
  t.equal(body.error, 'SWB_ERR_TOTP_REQUIRED');
  t.match(body.details, { enrolment: 'pending', totpUri: /^otpauth:\/\/totp\//, qr: /^data:image\/svg\+xml;base64,/ });
  t.match(Buffer.from(body.details.qr.split(',')[1]!, 'base64').toString(), /^<svg/);
  t.ok(app.audit.page({ limit: 100, action: 'user.totp.show' }).items.some((r) => r.action === 'user.totp.show' && r.target === 'user:root'), 'audited');
});
