import t from 'tap';
import { testAppliance, userWithToken, bearer, STRONG_PASSWORD } from '../helpers/appliance.js';
import { totpCode } from '../../domain/access/totp.js';

t.test('passwords, tokens, TOTP codes and Authorization headers never reach the log', async (t) => {
  const { app, logs } = await testAppliance(t, { log: { level: 'trace' } });
  const admin = await userWithToken(app, 'root', 'admin');
  const created = await app.http.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'carol', password: STRONG_PASSWORD, role: 'supervisor' } });
  t.equal(created.statusCode, 201);
  const { totpUri } = await app.access.users.create({ username: 'dave', password: `${STRONG_PASSWORD} dave`, role: 'admin' }, { actor: 't', source: 't' });
  const code = totpCode(new URL(totpUri!).searchParams.get('secret')!);
  const login = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'dave', password: `${STRONG_PASSWORD} dave`, totp: code } });
  t.equal(login.statusCode, 201);
  const token = login.json().token as string;
  await app.http.inject({ method: 'GET', url: '/api/v1/users?q=%2B14155550100', headers: bearer(token) });
  await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'dave', password: 'a wrong secret guess 123' } });

  // The logger itself redacts these paths even if code hands it the objects.
  app.logger.info({ password: 'literal-password-xyz', token: 'literal-token-xyz', req: { headers: { authorization: 'Bearer literal-auth-xyz' } }, message: { text: 'literal body xyz' } }, 'redaction probe');

  t.ok(logs.lines.length > 5, 'requests were logged');
  for (const secret of [STRONG_PASSWORD, code, token, admin, 'a wrong secret guess 123', 'literal-password-xyz', 'literal-token-xyz', 'literal-auth-xyz', 'literal body xyz', '14155550100']) {
    t.notOk(logs.text.includes(secret), `the log does not contain ${secret.slice(0, 8)}...`);
  }
  t.ok(logs.text.includes('[redacted]'), 'redaction marks what it removed');
  const reqLine = logs.records().find((r) => r.msg === 'incoming request');
  t.match(reqLine, { req: { method: 'POST', path: '/api/v1/users' } }, 'requests are logged by path');
});

t.test('request lines name the route: the identity in a path (an address, a phone number) never reaches the log', async (t) => {
  const wa = { id: 'wa', type: 'whatsapp', phoneNumberId: '100200300', accessToken: 'wa-access', appSecret: 'wa-app-secret', verifyToken: 'wa-verify' };
  const { app, logs } = await testAppliance(t, { channels: [wa] });
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const email = 'olga.petrova@example.org';
  const card = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Client A', identities: [{ kind: 'email', value: email }] } });
  const id = card.json().id as string;
  const detached = await app.http.inject({ method: 'DELETE', url: `/api/v1/clients/${id}/identities/email/${encodeURIComponent(email)}`, headers: bearer(sup) });
  t.equal(detached.statusCode, 200, 'the identity was detached');
  const blocked = await app.http.inject({ method: 'POST', url: '/api/v1/channels/wa/blocks', headers: bearer(sup), payload: { value: '79161234567' } });
  t.equal(blocked.statusCode, 201);
  const unblocked = await app.http.inject({ method: 'DELETE', url: '/api/v1/channels/wa/blocks/79161234567', headers: bearer(sup) });
  t.equal(unblocked.statusCode, 204);
  const typedIntoId = await app.http.inject({ url: `/api/v1/clients/${encodeURIComponent(email)}`, headers: bearer(sup) });
  t.equal(typedIntoId.statusCode, 404);
  const unrouted = await app.http.inject({ url: '/api/v1/lookup/79161234567' });
  t.equal(unrouted.statusCode, 404);

  for (const leak of ['olga.petrova', 'example.org', '79161234567']) t.notOk(logs.text.includes(leak), `the log does not contain ${leak}`);
  const paths = logs
    .records()
    .filter((r) => r.msg === 'incoming request')
    .map((r) => `${(r.req as { method: string }).method} ${(r.req as { path: string }).path}`);
  t.same(paths.slice(1), [
    `DELETE /api/v1/clients/${id}/identities/email/:value`,
    'POST /api/v1/channels/wa/blocks',
    'DELETE /api/v1/channels/wa/blocks/:value',
    'GET /api/v1/clients/:id',
    'GET (no route)',
  ], 'opaque ids and channel ids stay; identities and unrouted paths do not');
});
