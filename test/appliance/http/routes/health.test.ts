import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../../helpers/appliance.js';

t.test('health probes and metrics scrapes write no request lines at info level, while other requests still do', async (t) => {
  const { app, logs } = await testAppliance(t);
  const scraper = await app.access.tokens.create({ role: 'metrics', name: 'prometheus' }, { actor: 'test', source: 'test' });
  const before = logs.lines.length;
  for (let i = 0; i < 5; i++) {
    t.equal((await app.http.inject({ url: '/healthz' })).statusCode, 200);
    t.equal((await app.http.inject({ url: '/readyz' })).statusCode, 200);
    t.equal((await app.http.inject({ url: '/metrics', headers: bearer(scraper.token) })).statusCode, 200);
  }
  const probeLines = logs.records().slice(before).filter((r) => /\/(healthz|readyz|metrics)/.test(JSON.stringify(r)));
  t.same(probeLines, [], 'no line about a probe');

  const admin = await userWithToken(app, 'root', 'admin');
  t.equal((await app.http.inject({ url: '/api/v1/users', headers: bearer(admin) })).statusCode, 200);
  t.ok(logs.records().slice(before).some((r) => r.msg === 'request completed'), 'an API request is still logged');
});
