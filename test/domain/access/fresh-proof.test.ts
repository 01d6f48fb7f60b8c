import t from 'tap';
import type { Appliance } from '../../../appliance/app.js';
import { testAppliance, userWithToken, STRONG_PASSWORD, bearer } from '../../helpers/appliance.js';
import { totpCode } from '../../../domain/access/totp.js';

/* Changing one's own password or second factor needs fresh proof, not just a session (issue 16, item 2). */

const ctx = { actor: 'test', source: 'test' };
const NEW_PASSWORD = 'another strong passphrase 77';
/** A code from the next 30 s step: the sign-in that confirmed the enrolment used the current one. */
const nextCode = (secret: string): string => totpCode(secret, Date.now() + 30_000);

/** An admin whose TOTP enrolment a real sign-in confirmed: the owner's own session, and the secret in their authenticator. */
async function enrolledAdmin(app: Appliance, username = 'alice'): Promise<{ secret: string; own: string }> {
  const { totpUri } = await app.access.users.create({ username, password: STRONG_PASSWORD, role: 'admin' }, ctx);
  const secret = new URL(totpUri!).searchParams.get('secret')!;
  const r = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username, password: STRONG_PASSWORD, totp: totpCode(secret) } });
  if (r.statusCode !== 201) throw new Error(r.body);
  return { secret, own: r.json().token as string };
}

const alive = async (app: Appliance, token: string): Promise<boolean> => (await app.http.inject({ url: '/api/v1/sessions/current', headers: bearer(token) })).statusCode === 200;

t.test('a stolen session alone cannot re-enrol TOTP, and the owner still signs in with their authenticator', async (t) => {
  const { app } = await testAppliance(t);
  const { secret, own } = await enrolledAdmin(app);
  const stolen = await userWithToken(app, 'alice', 'admin');

  const bare = await app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp', headers: bearer(stolen), payload: {} });
  t.equal(bare.statusCode, 400, 'a request without the password is refused');
  const guessed = await app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp', headers: bearer(stolen), payload: { password: 'a guess at the password', totp: '123456' } });
  t.equal(guessed.statusCode, 401);
  t.equal(guessed.json().error, 'SWB_ERR_BAD_CREDENTIALS');
  t.notOk(guessed.json().totpUri, 'no new secret is handed out');

  t.equal(app.access.users.get('alice')!.totp!.secret, secret, 'the enrolled secret is unchanged');
  t.ok(await alive(app, own), 'the owner keeps their session');
  const signIn = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: nextCode(secret) } });
  t.equal(signIn.statusCode, 201, 'the owner signs in with a code from their own authenticator');
});

t.test('with the password and a current code, re-enrolment ends the other sessions, keeps this one, and the new secret replaces the old once confirmed', async (t) => {
  const { app } = await testAppliance(t);
  const { secret, own } = await enrolledAdmin(app);
  const other = await userWithToken(app, 'alice', 'admin');

  const r = await app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp', headers: bearer(own), payload: { password: STRONG_PASSWORD, totp: nextCode(secret) } });
  t.equal(r.statusCode, 201, r.body);
  const fresh = new URL(r.json().totpUri).searchParams.get('secret')!;
  t.not(fresh, secret);
  t.ok(await alive(app, own), 'the session that proved itself goes on');
  t.notOk(await alive(app, other), "the user's other session is ended");
  t.equal(app.access.users.get('alice')!.totp!.secret, secret, 'the old secret stays in force until the new one is confirmed');

  const confirm = await app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp/confirm', headers: bearer(own), payload: { totp: totpCode(fresh) } });
  t.equal(confirm.statusCode, 200, confirm.body);
  t.same(confirm.json(), { totp: 'confirmed' });
  t.match(app.access.users.get('alice')!.totp, { secret: fresh, confirmed: true });

  const audit = [...app.audit.all()].filter((a) => a.target === 'user:alice' && a.action.startsWith('user.'));
  t.match(audit.map((a) => [a.action, a.actor, a.details]), [
    ['user.create', 'test', {}],
    ['user.totp.confirm', 'user:alice', {}],
    ['user.totp.enrol', 'user:alice', { sessionsEnded: 1 }],
    ['user.totp.confirm', 'user:alice', {}],
  ]);
});

t.test('a wrong password or a wrong code is refused, changes nothing, ends no session, and is audited as a failure', async (t) => {
  const { app } = await testAppliance(t);
  const { secret, own } = await enrolledAdmin(app);
  const other = await userWithToken(app, 'alice', 'admin');
  const code = nextCode(secret);
  const wrongCode = code === '000000' ? '000001' : '000000';

  const attempts = [
    { url: '/api/v1/users/me/totp', payload: { password: 'not the password at all', totp: code } },
    { url: '/api/v1/users/me/totp', payload: { password: STRONG_PASSWORD, totp: wrongCode } },
    { url: '/api/v1/users/me/password', method: 'PUT' as const, payload: { current: 'not the password at all', password: NEW_PASSWORD, totp: code } },
    { url: '/api/v1/users/me/password', method: 'PUT' as const, payload: { current: STRONG_PASSWORD, password: NEW_PASSWORD, totp: wrongCode } },
  ];
  for (const a of attempts) {
    const r = await app.http.inject({ method: a.method ?? 'POST', url: a.url, headers: bearer(own), payload: a.payload });
    t.equal(r.statusCode, 401, `${a.url} ${JSON.stringify(a.payload)}`);
    t.equal(r.json().error, 'SWB_ERR_BAD_CREDENTIALS');
  }
  const noCode = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: bearer(own), payload: { current: STRONG_PASSWORD, password: NEW_PASSWORD } });
  t.equal(noCode.statusCode, 401, 'a user with a confirmed TOTP must give a code to change the password');
  t.equal(noCode.json().error, 'SWB_ERR_TOTP_REQUIRED');

  const alice = app.access.users.get('alice')!;
  t.equal(alice.totp!.secret, secret);
  t.ok(await app.access.users.passwords.verify(alice.passwordHash, STRONG_PASSWORD), 'the password is unchanged');
  t.ok((await alive(app, own)) && (await alive(app, other)), 'no session was ended');
  const failures = [...app.audit.all()].filter((a) => a.action === 'user.reauth.failure');
  t.match(
    failures.map((a) => [a.actor, a.target, a.details.reason]),
    [
      ['user:alice', 'user:alice', 'wrong password'],
      ['user:alice', 'user:alice', 'wrong TOTP code'],
      ['user:alice', 'user:alice', 'wrong password'],
      ['user:alice', 'user:alice', 'wrong TOTP code'],
    ],
  );
  t.notOk([...app.audit.all()].some((a) => a.action === 'user.password' || a.action === 'user.totp.enrol'), 'nothing changed, so no change is audited');
});

t.test("changing one's own password with the current one and a code ends the other sessions and keeps this one; without TOTP the password suffices", async (t) => {
  const { app } = await testAppliance(t);
  const { secret, own } = await enrolledAdmin(app);
  const other = await userWithToken(app, 'alice', 'admin');
  const code = nextCode(secret);
  const r = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: bearer(own), payload: { current: STRONG_PASSWORD, password: NEW_PASSWORD, totp: code } });
  t.equal(r.statusCode, 204, r.body);
  const replay = await app.http.inject({ method: 'POST', url: '/api/v1/users/me/totp', headers: bearer(own), payload: { password: NEW_PASSWORD, totp: code } });
  t.equal(replay.statusCode, 401, 'the code that proved one change cannot prove another');
  t.equal([...app.audit.all()].find((a) => a.action === 'user.reauth.failure')?.details.reason, 'TOTP code reused');
  t.ok(await alive(app, own));
  t.notOk(await alive(app, other));
  t.ok(await app.access.users.passwords.verify(app.access.users.get('alice')!.passwordHash, NEW_PASSWORD));
  t.match([...app.audit.all()].find((a) => a.action === 'user.password'), { actor: 'user:alice', target: 'user:alice', details: { sessionsEnded: 1 } });

  const op = await userWithToken(app, 'olga', 'operator');
  const opOther = await userWithToken(app, 'olga', 'operator');
  const opChange = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/password', headers: bearer(op), payload: { current: STRONG_PASSWORD, password: NEW_PASSWORD } });
  t.equal(opChange.statusCode, 204, 'an operator without TOTP proves the current password only');
  t.ok(await alive(app, op));
  t.notOk(await alive(app, opOther));
});

t.test("an admin's own session cannot take the admin routes around the proof for their own account", async (t) => {
  const { app } = await testAppliance(t);
  const { own } = await enrolledAdmin(app);
  const pw = await app.http.inject({ method: 'PUT', url: '/api/v1/users/alice/password', headers: bearer(own), payload: { password: NEW_PASSWORD } });
  t.equal(pw.statusCode, 403);
  t.match(pw.json().message, /\/api\/v1\/users\/me\/password/);
  const reset = await app.http.inject({ method: 'POST', url: '/api/v1/users/alice/totp/reset', headers: bearer(own) });
  t.equal(reset.statusCode, 403);
  t.match(reset.json().message, /\/api\/v1\/users\/me\/totp/);
  t.ok(await app.access.users.passwords.verify(app.access.users.get('alice')!.passwordHash, STRONG_PASSWORD));
  t.equal(app.access.users.get('alice')!.totp!.confirmed, true);
});

t.test("an admin's TOTP reset ends the user's sessions, stops the old secret, and no session opens until a code from the new one is given", async (t) => {
  const { app } = await testAppliance(t);
  const root = await userWithToken(app, 'root', 'admin');
  const { secret, own } = await enrolledAdmin(app);

  const reset = await app.http.inject({ method: 'POST', url: '/api/v1/users/alice/totp/reset', headers: bearer(root) });
  t.equal(reset.statusCode, 200, reset.body);
  t.equal(reset.json().totp, 'pending');
  const fresh = new URL(reset.json().totpUri).searchParams.get('secret')!;
  t.not(fresh, secret);
  t.notOk(await alive(app, own), "the user's sessions are ended");
  t.match([...app.audit.all()].find((a) => a.action === 'user.totp.reset'), { actor: 'user:root', target: 'user:alice', details: { sessionsEnded: 1 } });

  const password = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD } });
  t.equal(password.statusCode, 401, 'the password alone opens nothing');
  t.match(password.json(), { error: 'SWB_ERR_TOTP_REQUIRED', details: { enrolment: 'pending' } }, 'it is told to confirm a new enrolment');
  const oldCode = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: nextCode(secret) } });
  t.equal(oldCode.statusCode, 401, 'the old authenticator no longer works');
  t.equal(oldCode.json().error, 'SWB_ERR_BAD_CREDENTIALS');

  const enrolled = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password: STRONG_PASSWORD, totp: totpCode(fresh) } });
  t.equal(enrolled.statusCode, 201, 'the first code from the new secret confirms it and signs in');
  t.equal((await app.http.inject({ url: '/api/v1/users/alice', headers: bearer(root) })).json().totp, 'confirmed');
  t.equal((await app.http.inject({ url: '/api/v1/users', headers: bearer(enrolled.json().token) })).statusCode, 200);
});

t.test('an operator whose TOTP an admin reset must confirm one too, though the role does not require it', async (t) => {
  const { app } = await testAppliance(t);
  const root = await userWithToken(app, 'root', 'admin');
  const olga = await userWithToken(app, 'olga', 'operator');
  t.equal(app.access.users.get('olga')!.totp, null, 'olga had no second factor');
  const reset = await app.http.inject({ method: 'POST', url: '/api/v1/users/olga/totp/reset', headers: bearer(root) });
  t.equal(reset.statusCode, 200);
  t.notOk(await alive(app, olga));
  const signIn = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'olga', password: STRONG_PASSWORD } });
  t.match(signIn.json(), { error: 'SWB_ERR_TOTP_REQUIRED', details: { enrolment: 'pending' } });
  const fresh = new URL(reset.json().totpUri).searchParams.get('secret')!;
  t.equal((await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'olga', password: STRONG_PASSWORD, totp: totpCode(fresh) } })).statusCode, 201);
});

t.test('only an admin resets a second factor', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const { secret } = await enrolledAdmin(app);
  const r = await app.http.inject({ method: 'POST', url: '/api/v1/users/alice/totp/reset', headers: bearer(sup) });
  t.equal(r.statusCode, 403);
  t.match(app.access.users.get('alice')!.totp, { secret, confirmed: true });
  t.notOk([...app.audit.all()].some((a) => a.action === 'user.totp.reset'));
});
