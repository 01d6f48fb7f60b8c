import t, { type Test } from 'tap';
import { testAppliance } from '../../helpers/appliance.js';
import { requestFrom } from '../../helpers/http-from.js';
import type { Appliance } from '../../../appliance/app.js';

/*
 * Real HTTP over loopback: 127.0.0.2 plays the reverse proxy (listed in
 * listen.trustProxy), 127.0.0.3 a client that talks to the API directly. What
 * the proxy appends to X-Forwarded-For stands for its client's real address;
 * whatever stands left of it was written by that client.
 */
const PROXY = '127.0.0.2';
const DIRECT = '127.0.0.3';
const LISTEN = { trustProxy: [PROXY], allow: ['192.0.2.0/24'] };

async function listening(t: Test, raw: Record<string, unknown> = {}): Promise<{ app: Appliance; url: string }> {
  const { app } = await testAppliance(t, { listen: LISTEN, ...raw });
  const url = await app.http.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

const login = (url: string, from: string, xff?: string) =>
  requestFrom(url, { from, path: '/api/v1/sessions', body: { username: 'mallory', password: 'a guess that is wrong' }, headers: xff ? { 'x-forwarded-for': xff } : {} });

function failureSources(app: Appliance): string[] {
  return [...app.audit.all()].filter((r) => r.action === 'login.failure').map((r) => r.source);
}

t.test('behind a trusted proxy, a forged leftmost X-Forwarded-For does not reset the login rate limit', async (t) => {
  const { app, url } = await listening(t, { access: { loginRatePerMinute: 3 } });
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) codes.push((await login(url, PROXY, `10.66.0.${i + 1}, 192.0.2.44`)).status);
  t.same(codes, [401, 401, 401, 429, 429], 'the fourth attempt from the same real client is refused, whatever it wrote first');
  t.same(failureSources(app), ['192.0.2.44', '192.0.2.44', '192.0.2.44'], 'the audit names the real client, not the forged hop');

  const neighbour = await login(url, PROXY, '192.0.2.45');
  t.equal(neighbour.status, 401, 'another client behind the same proxy has its own budget');
});

t.test('the allow-list judges the client behind the trusted proxy, not the proxy', async (t) => {
  const { url } = await listening(t);
  const inside = await requestFrom(url, { from: PROXY, path: '/healthz', headers: { 'x-forwarded-for': '192.0.2.44' } });
  t.equal(inside.status, 200, 'a client inside listen.allow is served through the proxy');
  const outside = await requestFrom(url, { from: PROXY, path: '/healthz', headers: { 'x-forwarded-for': '198.51.100.7' } });
  t.equal(outside.status, 403, 'a client outside listen.allow is refused though the proxy is loopback');
  t.equal(outside.json().error, 'SWB_ERR_ADDRESS_NOT_ALLOWED');
  const forged = await requestFrom(url, { from: PROXY, path: '/healthz', headers: { 'x-forwarded-for': '192.0.2.44, 198.51.100.7' } });
  t.equal(forged.status, 403, 'an allowed address written by the client itself does not let it in');
  const junk = await requestFrom(url, { from: PROXY, path: '/healthz', headers: { 'x-forwarded-for': 'not-an-address' } });
  t.equal(junk.status, 403, 'a hop that is not an address is in no allowed network');
  const own = await requestFrom(url, { from: PROXY, path: '/healthz' });
  t.equal(own.status, 200, "the proxy's own request (no X-Forwarded-For) is a loopback peer's");
});

t.test('X-Forwarded-For from a socket that is not a trusted proxy is ignored', async (t) => {
  const { app, url } = await listening(t, { access: { loginRatePerMinute: 3 } });
  const codes: number[] = [];
  for (let i = 0; i < 5; i++) codes.push((await login(url, DIRECT, `192.0.2.${i + 1}`)).status);
  t.same(codes, [401, 401, 401, 429, 429], 'a direct client is limited by its socket address, whatever it claims');
  t.same(failureSources(app), [DIRECT, DIRECT, DIRECT]);

  const lan = await app.http.inject({ method: 'GET', url: '/healthz', remoteAddress: '198.51.100.9', headers: { 'x-forwarded-for': '192.0.2.44' } });
  t.equal(lan.statusCode, 403, 'a peer outside listen.allow cannot claim an allowed address');
});
