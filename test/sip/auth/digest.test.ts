import t from 'tap';
import { DigestAuthenticator, parseAuthorization } from '../../../sip/auth/digest.js';
import { challengeFields, digestAuthorization } from '../../helpers/sip-udp.js';

function setup(now = { t: 1_000_000 }) {
  const d = new DigestAuthenticator({ realm: 'switchboard', algorithms: ['SHA-256', 'MD5'], nonceTtlSeconds: 30, now: () => now.t });
  const c = challengeFields(d.challenges()[0]!);
  const auth = (o: Partial<Parameters<typeof digestAuthorization>[0]> = {}) =>
    digestAuthorization({ user: '101', password: 'pw', realm: 'switchboard', nonce: c.nonce!, uri: 'sip:pbx', method: 'REGISTER', algorithm: 'SHA-256', ...o });
  return { d, c, auth, now };
}

t.test('challenges: one per algorithm in order, the same nonce, qop=auth, stale only when asked', async (t) => {
  const { d } = setup();
  const [sha, md5] = d.challenges().map(challengeFields);
  t.match(sha, { realm: 'switchboard', algorithm: 'SHA-256', qop: 'auth' });
  t.match(md5, { algorithm: 'MD5', nonce: sha!.nonce });
  t.notOk('stale' in sha!);
  t.equal(challengeFields(d.challenges(true)[0]!).stale, 'true');
});

t.test('right password with SHA-256 and MD5; wrong password; unknown user; wrong realm', async (t) => {
  const { d, auth } = setup();
  t.same(d.verify(auth(), 'REGISTER', 'pw'), { ok: true, username: '101' });
  t.same(d.verify(auth({ algorithm: 'MD5', cnonce: 'b' }), 'REGISTER', 'pw'), { ok: true, username: '101' });
  t.same(d.verify(auth({ cnonce: 'c' }), 'REGISTER', 'other'), { ok: false, reason: 'bad-password' });
  t.same(d.verify(auth({ cnonce: 'd' }), 'REGISTER', undefined), { ok: false, reason: 'unknown-user' });
  t.same(d.verify(auth({ realm: 'elsewhere' }), 'REGISTER', 'pw'), { ok: false, reason: 'realm' });
  t.same(d.verify(auth({ cnonce: 'e' }), 'INVITE', 'pw'), { ok: false, reason: 'bad-password' }, 'the method is in the digest');
});

t.test('nonces: expired is stale, forged is refused, a replayed nonce count is stale', async (t) => {
  const { d, auth, now } = setup();
  const a = auth({ cnonce: 'x' });
  t.same(d.verify(a, 'REGISTER', 'pw'), { ok: true, username: '101' });
  t.same(d.verify(a, 'REGISTER', 'pw'), { ok: false, reason: 'stale' }, 'same nc and cnonce');
  t.same(d.verify(auth({ cnonce: 'x', nc: '00000002' }), 'REGISTER', 'pw'), { ok: true, username: '101' }, 'next nc');
  t.same(d.verify(auth({ nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'REGISTER', 'pw'), { ok: false, reason: 'forged-nonce' });
  now.t += 31_000;
  t.same(d.verify(auth({ cnonce: 'y' }), 'REGISTER', 'pw'), { ok: false, reason: 'stale' });
  const other = new DigestAuthenticator({ realm: 'switchboard', algorithms: ['MD5'], nonceTtlSeconds: 30 });
  t.equal(other.nonceState(setup().c.nonce!), 'forged', "another process's nonce (a restart) does not verify");
});

t.test('malformed and unsupported credentials', async (t) => {
  const { d } = setup();
  t.same(d.verify(undefined, 'REGISTER', 'pw'), { ok: false, reason: 'missing' });
  t.same(d.verify('Basic dXNlcjpwdw==', 'REGISTER', 'pw'), { ok: false, reason: 'missing' });
  t.same(d.verify('Digest username="101", realm="switchboard"', 'REGISTER', 'pw'), { ok: false, reason: 'malformed' });
  t.same(d.verify('Digest username="101", realm="switchboard", nonce="n", uri="u", response="r", algorithm=SHA-512-256', 'REGISTER', 'pw'), { ok: false, reason: 'algorithm' });
  t.same(parseAuthorization('Digest username="a\\"b", realm=x'), { username: 'a"b', realm: 'x' });
  t.equal(parseAuthorization('Digest username="unterminated'), null);
});
