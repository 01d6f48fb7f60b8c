import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../helpers/appliance.js';

t.test('bad requests get a catalogue error as {error, message} and change nothing', async (t) => {
  const { app } = await testAppliance(t, { listen: { bodyLimitBytes: 4096 } });
  const admin = await userWithToken(app, 'root', 'admin');
  const h = { ...bearer(admin), 'content-type': 'application/json' };
  const usersBefore = app.access.users.list().length;

  const cases: Array<{ name: string; payload: string; headers?: Record<string, string>; status: number; error: string }> = [
    { name: 'malformed JSON', payload: '{"username": "x", ', status: 400, error: 'SWB_ERR_BAD_REQUEST' },
    { name: 'a number where a string belongs', payload: JSON.stringify({ username: 12345, password: 'p'.repeat(20), role: 'operator' }), status: 400, error: 'SWB_ERR_VALIDATION' },
    { name: 'a role that does not exist', payload: JSON.stringify({ username: 'eve', password: 'p'.repeat(20), role: 'root' }), status: 400, error: 'SWB_ERR_VALIDATION' },
    { name: 'an unknown field', payload: JSON.stringify({ username: 'eve', password: 'p'.repeat(20), role: 'operator', isAdmin: true }), status: 400, error: 'SWB_ERR_VALIDATION' },
    { name: 'a JSON array body', payload: '[]', status: 400, error: 'SWB_ERR_VALIDATION' },
    { name: 'text/plain', payload: 'username=eve', headers: { 'content-type': 'text/plain' }, status: 415, error: 'SWB_ERR_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'form encoding', payload: 'username=eve', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, error: 'SWB_ERR_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'an oversized body', payload: JSON.stringify({ username: 'eve', password: 'p'.repeat(5000), role: 'operator' }), status: 413, error: 'SWB_ERR_PAYLOAD_TOO_LARGE' },
    { name: 'a weak password', payload: JSON.stringify({ username: 'eve', password: 'short', role: 'operator' }), status: 400, error: 'SWB_ERR_WEAK_PASSWORD' },
    { name: 'a most-common password', payload: JSON.stringify({ username: 'eve', password: 'Password1234!!', role: 'operator' }), status: 400, error: 'SWB_ERR_WEAK_PASSWORD' },
  ];
  for (const c of cases) {
    const r = await app.http.inject({ method: 'POST', url: '/api/v1/users', payload: c.payload, headers: { ...h, ...c.headers } });
    t.equal(r.statusCode, c.status, `${c.name}: status`);
    t.equal(r.json().error, c.error, `${c.name}: code`);
    t.type(r.json().message, 'string', `${c.name}: message`);
  }
  const noType = await app.http.inject({ method: 'POST', url: '/api/v1/users', payload: Buffer.from('{"username":"eve"}'), headers: { ...bearer(admin), 'content-type': '' } });
  t.equal(noType.statusCode, 415, 'a missing Content-Type');
  t.equal(app.access.users.list().length, usersBefore, 'no user was created by any of them');
});

t.test('a password of 64 characters and more is accepted, up to the configured maximum', async (t) => {
  const { app } = await testAppliance(t);
  const admin = await userWithToken(app, 'root', 'admin');
  const long = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'long', password: 'Lorem ipsum dolor sit amet '.repeat(4).slice(0, 100), role: 'operator' } });
  t.equal(long.statusCode, 201);
  const tooLong = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'toolong', password: 'x'.repeat(129), role: 'operator' } });
  t.equal(tooLong.json().error, 'SWB_ERR_WEAK_PASSWORD');
});

t.test('an unknown path is a 404 in the same error shape', async (t) => {
  const { app } = await testAppliance(t);
  const r = await app.http.inject({ method: 'GET', url: '/api/v1/nothing-here' });
  t.equal(r.statusCode, 404);
  t.equal(r.json().error, 'SWB_ERR_NOT_FOUND');
});

t.test('on a LAN listener, a client outside the allow-list is refused and one inside is served', async (t) => {
  const { app } = await testAppliance(t, { listen: { host: '0.0.0.0', allow: ['192.0.2.0/24'] } });
  const outside = await app.http.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.7' });
  t.equal(outside.statusCode, 403);
  t.equal(outside.json().error, 'SWB_ERR_ADDRESS_NOT_ALLOWED');
  const inside = await app.http.inject({ method: 'GET', url: '/healthz', remoteAddress: '192.0.2.44' });
  t.equal(inside.statusCode, 200);
  const mapped = await app.http.inject({ method: 'GET', url: '/healthz', remoteAddress: '::ffff:192.0.2.45' });
  t.equal(mapped.statusCode, 200, 'an IPv4-mapped IPv6 peer is matched as IPv4');
});

t.test('responses carry the security headers helmet sets', async (t) => {
  const { app } = await testAppliance(t);
  const r = await app.http.inject({ method: 'GET', url: '/healthz' });
  t.equal(r.headers['x-content-type-options'], 'nosniff');
  t.ok(r.headers['content-security-policy']);
});
