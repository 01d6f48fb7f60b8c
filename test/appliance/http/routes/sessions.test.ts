import t from 'tap';
import { testAppliance, STRONG_PASSWORD, bearer } from '../../../helpers/appliance.js';
import { totpCode } from '../../../../domain/access/totp.js';

const ctx = { actor: 'test', source: 'test' };

t.test('an admin created with a pending TOTP enrolment confirms it with the first login code', async (t) => {
  const { app } = await testAppliance(t);
  const { totpUri } = await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin' }, ctx);
  t.match(totpUri, /^otpauth:\/\/totp\/Switchboard:alice\?/);
  const secret = new URL(totpUri!).searchParams.get('secret')!;

  const noCode = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD } });
  t.equal(noCode.statusCode, 401);
  t.equal(noCode.json().error, 'SWB_ERR_TOTP_REQUIRED');
  t.equal(noCode.json().details.enrolment, 'pending');

  const ok = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: totpCode(secret) } });
  t.equal(ok.statusCode, 201);
  t.match(ok.json().token, /^swbs_[A-Za-z0-9_-]{43}$/);
  t.equal(app.access.users.list()[0]!.totp, 'confirmed');

  const me = await app.http.inject({ method: 'GET', url: '/api/v1/sessions/current', headers: bearer(ok.json().token) });
  t.equal(me.statusCode, 200);
  t.equal(me.json().role, 'admin');
  const actions = [...app.audit.all()].map((r) => r.action);
  t.ok(actions.includes('user.totp.confirm') && actions.includes('login.success'));
});

t.test('a TOTP code that already opened a session cannot open a second one', async (t) => {
  const { app } = await testAppliance(t);
  const { totpUri } = await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin' }, ctx);
  const code = totpCode(new URL(totpUri!).searchParams.get('secret')!);
  const first = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: code } });
  t.equal(first.statusCode, 201);
  const replay = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: code } });
  t.equal(replay.statusCode, 401);
  t.equal(replay.json().error, 'SWB_ERR_BAD_CREDENTIALS');
  const reasons = [...app.audit.all()].filter((r) => r.action === 'login.failure').map((r) => r.details.reason);
  t.same(reasons, ['TOTP code reused']);
});

// Issue 16 item 7: one address alone no longer locks an account (test/appliance/access/lockout.test.ts), so the ten come from five.
t.test('ten wrong passwords from several addresses lock the account, audit the lock, and refuse even the right password', async (t) => {
  const { app } = await testAppliance(t, { access: { loginRatePerMinute: 100 } });
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  for (let i = 0; i < 10; i++) {
    const r = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress: `127.0.0.${10 + (i % 5)}`, payload: { username: 'bob', password: `wrong password ${i}!` } });
    t.equal(r.statusCode, 401, `attempt ${i + 1} is refused`);
  }
  const right = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: STRONG_PASSWORD } });
  t.equal(right.statusCode, 423);
  t.equal(right.json().error, 'SWB_ERR_ACCOUNT_LOCKED');
  t.ok(Date.parse(right.json().details.lockedUntil) > Date.now() + 14 * 60_000, 'locked for the documented 15 minutes');
  const locks = [...app.audit.all()].filter((r) => r.action === 'login.locked');
  t.equal(locks.length, 1);
  t.equal(locks[0]!.target, 'user:bob');

  await app.access.users.unlock('bob', ctx);
  const after = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: STRONG_PASSWORD } });
  t.equal(after.statusCode, 201);
});

t.test('an unknown user and a wrong password get the same answer', async (t) => {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const unknown = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'nobody', password: STRONG_PASSWORD } });
  const wrong = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: 'not the password at all' } });
  t.equal(unknown.statusCode, 401);
  t.same(unknown.json(), wrong.json());
});

t.test('logging in beyond the per-address rate gets 429 before any password is checked', async (t) => {
  const { app } = await testAppliance(t, { access: { loginRatePerMinute: 3 } });
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) {
    codes.push((await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'x', password: 'y' } })).statusCode);
  }
  t.same(codes, [401, 401, 401, 429, 429]);
  const last = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'x', password: 'y' } });
  t.equal(last.json().error, 'SWB_ERR_RATE_LIMITED');
});

t.test('logout ends the session and is audited; the token then gets 401', async (t) => {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const { token } = (await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: STRONG_PASSWORD } })).json();
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/sessions/current', headers: bearer(token) })).statusCode, 204);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/sessions/current', headers: bearer(token) })).statusCode, 401);
  t.ok([...app.audit.all()].some((r) => r.action === 'logout' && r.target === 'user:bob'));
});

t.test('an admin ends another user\'s session', async (t) => {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const bob = (await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: STRONG_PASSWORD } })).json().token;
  const { userWithToken } = await import('../../../helpers/appliance.js');
  const admin = await userWithToken(app, 'root', 'admin');
  const list = await app.http.inject({ method: 'GET', url: '/api/v1/sessions', headers: bearer(admin) });
  const bobs = list.json().items.find((s: { username: string }) => s.username === 'bob');
  t.ok(bobs, 'the admin sees the session');
  t.equal((await app.http.inject({ method: 'DELETE', url: `/api/v1/sessions/${bobs.id}`, headers: bearer(admin) })).statusCode, 204);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/sessions/current', headers: bearer(bob) })).statusCode, 401);
  t.ok([...app.audit.all()].some((r) => r.action === 'session.revoke' && r.actor === 'user:root'));
});
