import t from 'tap';
import pino from 'pino';
import { Registry } from 'prom-client';
import { buildPublic } from '../../../gateway/http/public.js';
import { GatewayMetrics } from '../../../gateway/core/metrics.js';
import { SwitchboardError } from '../../../common/errors.js';
import type { Bridge } from '../../../gateway/core/bridge.js';

/** A public listener whose one webhook channel fails the way it is told to. */
async function listenerFailingWith(failure: () => Error) {
  const bridge = { id: 'hook', webhook: async () => Promise.reject(failure()) } as unknown as Bridge;
  const app = await buildPublic({ logger: pino({ level: 'silent' }), bodyLimit: 1024, bridges: new Map([['hook', bridge]]), metrics: new GatewayMetrics(new Registry(), () => new Map(), () => ['hook']), extra: [] });
  return app;
}

const post = { method: 'POST' as const, url: '/webhooks/hook', headers: { 'content-type': 'application/json' }, payload: '{}' };

t.test('a full or unavailable store, or a failing provider, answers a webhook 503 so the provider delivers it again', async (t) => {
  for (const code of ['SWB_ERR_STORE_FULL', 'SWB_ERR_STORE_UNAVAILABLE', 'SWB_ERR_PROVIDER_UNAVAILABLE'] as const) {
    const app = await listenerFailingWith(() => new SwitchboardError(code));
    t.teardown(() => app.close());
    const r = await app.inject(post);
    t.equal(r.statusCode, 503, code);
    t.equal(r.json().error, code, 'the catalogue code is kept');
  }
});

t.test("any other failure answers with the catalogue's own status, and a crash is an internal error, never a 200", async (t) => {
  const refused = await listenerFailingWith(() => new SwitchboardError('SWB_ERR_UNAUTHENTICATED'));
  t.teardown(() => refused.close());
  t.equal((await refused.inject(post)).statusCode, 401);
  const crashed = await listenerFailingWith(() => new TypeError('boom'));
  t.teardown(() => crashed.close());
  const r = await crashed.inject(post);
  t.equal(r.statusCode, 500);
  t.same(r.json(), { error: 'SWB_ERR_INTERNAL', message: 'Internal error' }, 'nothing of the crash leaks');
});

t.test('an oversized or malformed body is refused with its catalogue code before any bridge sees it', async (t) => {
  const app = await listenerFailingWith(() => new Error('the bridge must not be reached'));
  t.teardown(() => app.close());
  const big = await app.inject({ ...post, payload: JSON.stringify({ x: 'y'.repeat(2048) }) });
  t.equal(big.statusCode, 413);
  t.equal(big.json().error, 'SWB_ERR_PAYLOAD_TOO_LARGE');
  const unknown = await app.inject({ ...post, url: '/webhooks/nobody' });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error, 'SWB_ERR_NOT_FOUND');
});
