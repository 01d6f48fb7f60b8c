import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { testAppliance, userWithToken, serviceToken, bearer } from '../../../helpers/appliance.js';

t.test('/metrics answers 401 without a good token and 403 to other roles, and counts each refusal', async (t) => {
  const { app } = await testAppliance(t);
  const operator = await userWithToken(app, 'olga', 'operator');
  const integration = await serviceToken(app, 'integration');
  const expired = (await app.access.tokens.create({ role: 'metrics', name: 'old', ttlDays: 1 }, { actor: 't', source: 't' })).token;
  const tokens = app.access.tokens.list();
  await app.store.db<Record<string, unknown>, string>('tokens').transaction(() => {
    for (const { key, value } of app.store.db<Record<string, unknown>, string>('tokens').getRange({})) if (value.name === 'old') void app.store.db('tokens').put(key, { ...value, expiresAt: new Date(Date.now() - 1000).toISOString() });
  });
  t.ok(tokens.length >= 2);

  t.equal((await app.http.inject({ url: '/metrics' })).statusCode, 401, 'no token');
  t.equal((await app.http.inject({ url: '/metrics', headers: bearer('swbt_wrong') })).statusCode, 401, 'a wrong token');
  t.equal((await app.http.inject({ url: '/metrics', headers: bearer(expired) })).statusCode, 401, 'an expired token');
  t.equal((await app.http.inject({ url: '/metrics', headers: bearer(operator) })).statusCode, 403, 'an operator');
  t.equal((await app.http.inject({ url: '/metrics', headers: bearer(integration) })).statusCode, 403, 'an integration token');

  const scrape = await app.http.inject({ url: '/metrics', headers: bearer(await serviceToken(app, 'metrics')) });
  t.equal(scrape.statusCode, 200);
  t.match(scrape.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.match(scrape.body, /^swb_metrics_scrapes_refused_total\{status="401"\} 3$/m);
  t.match(scrape.body, /^swb_metrics_scrapes_refused_total\{status="403"\} 2$/m);
});

t.test('HTTP series are labelled by route template and status class, never by a raw id', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sam', 'supervisor');
  const id = (await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'Metric Client', identities: [{ kind: 'phone', value: '+14155550199' }] } })).json().id as string;
  await app.http.inject({ url: `/api/v1/clients/${id}`, headers: bearer(sup) });
  await app.http.inject({ url: '/api/v1/clients?q=%2B14155550199', headers: bearer(sup) });
  await app.http.inject({ url: '/no/such/path/12345' });
  await app.http.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'sam', password: 'wrong wrong wrong' } });
  const body = (await app.http.inject({ url: '/metrics', headers: bearer(await serviceToken(app, 'metrics')) })).body;
  t.match(body, /swb_http_requests_total\{route="\/api\/v1\/clients\/:id",method="GET",status="2xx"\} 1/);
  t.match(body, /swb_http_requests_total\{route="unmatched",method="GET",status="4xx"\} 1/);
  t.match(body, /swb_http_request_duration_seconds_bucket\{le="0.001",route="\/api\/v1\/clients",method="POST",status="2xx"\}/);
  t.match(body, /swb_logins_total\{outcome="bad_credentials"\} 1/);
  t.match(body, /swb_store_write_duration_seconds_count\{outcome="ok"\} \d+/);
  t.match(body, /swb_store_size_bytes \d+/);
  t.match(body, /swb_process_resident_memory_bytes \d+/);
  for (const leak of [id, '14155550199', '12345', 'sam']) t.notOk(body.includes(leak), `no series carries ${leak}`);
});

t.test('the exposition passes promtool check metrics', async (t) => {
  const { app } = await testAppliance(t);
  const sup = await userWithToken(app, 'sam', 'supervisor');
  await app.http.inject({ method: 'POST', url: '/api/v1/clients', headers: bearer(sup), payload: { name: 'x' } });
  const body = (await app.http.inject({ url: '/metrics', headers: bearer(await serviceToken(app, 'metrics')) })).body;
  const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  t.equal(check.error, undefined, 'promtool runs (Debian package prometheus, installed by scripts/install-test-deps.sh)');
  t.equal(check.status, 0, `${check.stdout}${check.stderr}`);
});

t.test("the exposition names this release and the Node it runs on, the store's free space, and a SIP link gauge only when SIP is on", async (t) => {
  const version = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const scrape = async (raw: Record<string, unknown>): Promise<string> => {
    const { app } = await testAppliance(t, raw);
    return (await app.http.inject({ url: '/metrics', headers: bearer(await serviceToken(app, 'metrics')) })).body;
  };
  const off = await scrape({});
  t.match(off, new RegExp(`^swb_build_info\\{version="${version.replace(/\./g, '\\.')}",node="${process.version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
  t.match(off, /^swb_store_free_bytes [1-9][0-9]*$/m);
  t.notMatch(off, /swb_sip_drachtio_connected/, 'no link gauge for a link nobody configured');
  t.match(await scrape({ sip: { enabled: true } }), /^swb_sip_drachtio_connected /m, 'with SIP on, the gauge is there');
});
