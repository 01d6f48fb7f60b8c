import t from 'tap';
import { bearer, STRONG_PASSWORD, testAppliance, userWithToken } from '../../helpers/appliance.js';
import { CALL_IDS, seedCalls } from '../../helpers/seed-calls.js';

const ctx = { actor: 'test', source: 'test' };

t.test('sign-in answers, successful or not, tell every cache not to store them', async (t) => {
  const { app } = await testAppliance(t, { access: { loginRatePerMinute: 2 } });
  await app.access.users.create({ username: 'bob', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  const ok = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: STRONG_PASSWORD } });
  t.equal(ok.statusCode, 201);
  t.equal(ok.headers['cache-control'], 'no-store', 'the answer holding the new token');
  const wrong = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: 'not the password at all' } });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.headers['cache-control'], 'no-store');
  const limited = await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'bob', password: 'not the password at all' } });
  t.equal(limited.statusCode, 429);
  t.equal(limited.headers['cache-control'], 'no-store');
});

t.test('every authenticated answer and every refusal of the local API is no-store', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const op = await userWithToken(app, 'olga', 'operator');
  const card = await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Olga Petrova', identities: [{ kind: 'phone', value: '+79161234567' }] } });
  t.equal(card.statusCode, 201);
  const answers = {
    'a client list': await app.http.inject({ url: '/api/v1/clients', headers: bearer(sup) }),
    'a client card': await app.http.inject({ url: `/api/v1/clients/${card.json().id as string}`, headers: bearer(sup) }),
    'a history': await app.http.inject({ url: `/api/v1/clients/${card.json().id as string}/history`, headers: bearer(sup) }),
    'the current session': await app.http.inject({ url: '/api/v1/sessions/current', headers: bearer(op) }),
    'a role refusal': await app.http.inject({ url: '/api/v1/users', headers: bearer(op) }),
    'a missing token': await app.http.inject({ url: '/api/v1/clients' }),
    'an unknown path': await app.http.inject({ url: '/api/v1/nothing-here', headers: bearer(sup) }),
  };
  t.equal(answers['a client card'].statusCode, 200);
  t.equal(answers['a role refusal'].statusCode, 403);
  for (const [what, r] of Object.entries(answers)) t.equal(r.headers['cache-control'], 'no-store', what);
});

t.test('a recording is never cached: whole, by range, out of range, or refused', async (t) => {
  const { app, dataDir } = await testAppliance(t);
  await seedCalls(app, dataDir);
  const sup = await userWithToken(app, 'sue', 'supervisor');
  const url = (id: string) => `/api/v1/calls/${id}/recording`;
  const answers = [
    await app.http.inject({ url: url(CALL_IDS.inbound), headers: bearer(sup) }),
    await app.http.inject({ url: url(CALL_IDS.inbound), headers: { ...bearer(sup), range: 'bytes=0-3' } }),
    await app.http.inject({ url: url(CALL_IDS.inbound), headers: { ...bearer(sup), range: 'bytes=5000-' } }),
    await app.http.inject({ url: url(CALL_IDS.missing), headers: bearer(sup) }),
  ];
  t.same(
    answers.map((r) => [r.statusCode, r.headers['cache-control']]),
    [
      [200, 'no-store'],
      [206, 'no-store'],
      [416, 'no-store'],
      [404, 'no-store'],
    ],
  );
});
