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
