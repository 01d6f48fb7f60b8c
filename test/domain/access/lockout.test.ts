import t from 'tap';
import type { Appliance } from '../../../appliance/app.js';
import { testAppliance, STRONG_PASSWORD, bearer } from '../../helpers/appliance.js';
import { totpCode } from '../../../domain/access/totp.js';
import { addressKey, FORGIVE_ONE_MS } from '../../../domain/access/lockout.js';

/* Sign-in lockout neither tells which accounts exist nor lets one stranger lock anyone out (issue 16, item 7). */

const ctx = { actor: 'test', source: 'test' };
/** The login rate limit is tested on its own; here it must not hide the lockout's answers. */
const roomy = { access: { loginRatePerMinute: 10_000 } };

async function signIn(app: Appliance, username: string, password: string, remoteAddress = '127.0.0.1', totp?: string) {
  return app.http.inject({ method: 'POST', url: '/api/v1/sessions', remoteAddress, payload: { username, password, ...(totp ? { totp } : {}) } });
}

/** Ten failures for a name, two from each of five addresses: enough to lock it under the default rules, and no address waits. */
async function spreadFailures(app: Appliance, username: string): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < 10; i++) codes.push((await signIn(app, username, `wrong password ${i}!`, `127.0.0.${10 + (i % 5)}`)).statusCode);
  return codes;
}

/** Headers that differ between any two responses (the clock, the rate limit's own count). */
const VARYING = new Set(['date', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'content-length']);
const stable = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([k]) => !VARYING.has(k)));
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g;

t.test('once locked, an existing account and an unknown name get the same status, body and headers', async (t) => {
  const { app } = await testAppliance(t, roomy);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  t.same(await spreadFailures(app, 'bob'), Array(10).fill(401));
  t.same(await spreadFailures(app, 'nobody'), Array(10).fill(401));

  const known = await signIn(app, 'bob', 'yet another wrong one', '127.0.0.20');
  const unknown = await signIn(app, 'nobody', 'yet another wrong one', '127.0.0.21');
  t.equal(known.statusCode, 423);
  t.equal(unknown.statusCode, known.statusCode, 'the same status');
  t.same(JSON.parse(unknown.body.replace(ISO, 'T')), JSON.parse(known.body.replace(ISO, 'T')), 'the same body but for the time the lock ends');
  t.ok(Date.parse(unknown.json().details.lockedUntil) > Date.now() + 14 * 60_000, 'an unknown name is "locked" for the same 15 minutes');
  t.same(stable(unknown.headers), stable(known.headers), 'the same headers');
  t.same(Object.keys(unknown.headers).sort(), Object.keys(known.headers).sort());

  const right = await signIn(app, 'bob', STRONG_PASSWORD, '127.0.0.22');
  t.equal(right.statusCode, 423, 'the right password alone does not open a locked account');
  const locks = [...app.audit.all()].filter((r) => r.action === 'login.locked').map((r) => r.target);
  t.same(locks, ['user:bob', 'user:nobody'], 'both locks are audited');
});

t.test('an unknown name pays the same argon2 verification as a known one, locked or not', async (t) => {
  const { app } = await testAppliance(t, roomy);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const policy = app.access.users.passwords;
  const verify = policy.verify.bind(policy);
  let verifications = 0;
  policy.verify = async (hash, password) => {
    verifications++;
    return verify(hash, password);
  };
  const count = async (username: string, address: string): Promise<number> => {
    const before = verifications;
    await signIn(app, username, 'not the password at all', address);
    return verifications - before;
  };
  t.same([await count('bob', '127.0.0.30'), await count('nobody', '127.0.0.31')], [1, 1], 'before any lock');
  await spreadFailures(app, 'bob');
  await spreadFailures(app, 'nobody');
  t.same([await count('bob', '127.0.0.32'), await count('nobody', '127.0.0.33')], [1, 1], 'while locked');
});

t.test('a burst from one address does not lock the account: that address waits longer and longer while the owner signs in from elsewhere', async (t) => {
  const { app } = await testAppliance(t, roomy);
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const stranger = '127.0.0.66';
  const codes: number[] = [];
  for (let i = 0; i < 20; i++) codes.push((await signIn(app, 'bob', `wrong password ${i}!`, stranger)).statusCode);
  t.same(codes, [...Array(6).fill(401), ...Array(14).fill(429)], 'five free failures, a sixth that starts the wait, then refusals before any check');
  const waiting = await signIn(app, 'bob', STRONG_PASSWORD, stranger);
  t.equal(waiting.statusCode, 429, 'even the right password waits at that address');
  t.equal(waiting.json().error, 'SWB_ERR_RATE_LIMITED');
  const unknownName = await signIn(app, 'nobody', 'whatever password', stranger);
  t.same(unknownName.json(), waiting.json(), 'the wait is the address\'s: the same answer for any name');

  const owner = await signIn(app, 'bob', STRONG_PASSWORD, '127.0.0.1');
  t.equal(owner.statusCode, 201, 'the owner signs in from another address at once');

  const firstWait = Date.parse(waiting.json().details.retryAt) - Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, firstWait) + 50));
  t.equal((await signIn(app, 'bob', 'one more wrong guess', stranger)).statusCode, 401, 'after the wait one more attempt is checked');
  const next = await signIn(app, 'bob', 'and another guess', stranger);
  t.equal(next.statusCode, 429);
  const secondWait = Date.parse(next.json().details.retryAt) - Date.now();
  t.ok(secondWait > firstWait, `the next wait is longer (${firstWait} ms, then ${secondWait} ms)`);

  const audit = [...app.audit.all()];
  t.notOk(audit.some((r) => r.action === 'login.locked'), 'the account was never locked');
  t.match(audit.filter((r) => r.action === 'login.throttled'), [
    { actor: 'system', source: stranger, target: `address:${stranger}`, details: { failures: 6, waitSeconds: 1 } },
    { actor: 'system', source: stranger, target: `address:${stranger}`, details: { failures: 7, waitSeconds: 2 } },
  ]);
});

t.test('a locked admin signs in with the password and a current code; the password alone stays refused', async (t) => {
  const { app } = await testAppliance(t, roomy);
  const { totpUri } = await app.access.users.create({ username: 'alice', password: STRONG_PASSWORD, role: 'admin' }, ctx);
  const secret = new URL(totpUri!).searchParams.get('secret')!;
  t.equal((await signIn(app, 'alice', STRONG_PASSWORD, '127.0.0.1', totpCode(secret))).statusCode, 201, 'enrolment confirmed');
  await spreadFailures(app, 'alice');

  const noCode = await signIn(app, 'alice', STRONG_PASSWORD, '127.0.0.40');
  t.equal(noCode.statusCode, 423, 'no TOTP_REQUIRED hint while locked: that would tell the password is right');
  const wrongCode = await signIn(app, 'alice', STRONG_PASSWORD, '127.0.0.41', totpCode(secret) === '000000' ? '000001' : '000000');
  t.equal(wrongCode.statusCode, 423);
  const wrongPassword = await signIn(app, 'alice', 'not the password at all', '127.0.0.42', totpCode(secret, Date.now() + 30_000));
  t.equal(wrongPassword.statusCode, 423);
  const both = await signIn(app, 'alice', STRONG_PASSWORD, '127.0.0.43', totpCode(secret, Date.now() + 30_000));
  t.equal(both.statusCode, 201, 'the password and a current code open the locked account');
  t.equal((await app.http.inject({ url: '/api/v1/users', headers: bearer(both.json().token) })).statusCode, 200);
  t.equal((await signIn(app, 'alice', 'one more wrong password', '127.0.0.44')).statusCode, 401, 'the success lifted the lock');
});

t.test('failures on the fresh-proof routes count toward the address wait like sign-in failures', async (t) => {
  const { app } = await testAppliance(t, roomy);
  await app.access.users.create({ username: 'olga', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const token = (await signIn(app, 'olga', STRONG_PASSWORD, '127.0.0.50')).json().token as string;
  const codes: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await app.http.inject({ method: 'PUT', url: '/api/v1/users/me/password', remoteAddress: '127.0.0.50', headers: bearer(token), payload: { current: `guess number ${i}!`, password: 'another strong passphrase 77' } });
    codes.push(r.statusCode);
  }
  t.same(codes, [...Array(6).fill(401), 429, 429]);
});

t.test('an IPv6 address counts by its /64, an IPv4-mapped one as plain IPv4', async (t) => {
  t.equal(addressKey('2001:db8:1:2:aaaa::1'), addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
  t.not(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
  t.equal(addressKey('::ffff:192.0.2.7'), '192.0.2.7');
  t.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
});

t.test('the sweep forgets an address once its failures are forgiven, and a name a day after its last failure, but never a running lock', async (t) => {
  const { app } = await testAppliance(t, { access: { lockoutAddresses: 1, lockoutThreshold: 3 } });
  const guard = app.access.guard;
  const t0 = Date.now();
  await app.store.write(() => {
    for (let i = 0; i < 3; i++) guard.failureInTxn('locked-one', '192.0.2.1', 'login.failure', 'wrong password', t0);
    guard.failureInTxn('tried-once', '192.0.2.2', 'login.failure', 'unknown user', t0);
  });
  t.ok(guard.lockedUntil('locked-one', t0), 'three failures from one address lock when lockoutAddresses is 1');
  t.equal(await guard.sweep(t0 + 60_000), 0, 'nothing is stale a minute later');
  t.equal(await guard.sweep(t0 + 4 * FORGIVE_ONE_MS), 2, 'both addresses are forgiven');
  t.equal(await guard.sweep(t0 + 25 * 3600_000), 2, 'a day later both names are forgotten, the lock having ended');
  t.equal(guard.lockedUntil('locked-one', t0 + 25 * 3600_000), null);
  t.same([...app.store.db('loginGuard').getKeys({})], []);
});
