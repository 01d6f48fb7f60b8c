import t from 'tap';
import { Registry } from 'prom-client';
import { FakeWhatsApp, WA } from '../../fakes/whatsapp.js';
import { gatewayAppliance } from '../../helpers/gateway.js';
import { LogCapture } from '../../helpers/appliance.js';
import { createLogger } from '../../../common/log.js';
import { GatewayMetrics } from '../../../gateway/core/metrics.js';
import { buildPublic } from '../../../gateway/http/public.js';
import { REFUSAL_LINES_PER_MINUTE } from '../../../gateway/http/refusal-log.js';

const linesOf = (logs: LogCapture, msg: string) => logs.records().filter((r) => r.msg === msg);

t.test('a flood of forged webhooks is counted in full but logged at most 60 lines a minute', async (t) => {
  const wa = await new FakeWhatsApp().start();
  t.teardown(() => wa.stop());
  const { app, logs, publicUrl } = await gatewayAppliance(t, [{ id: 'wa', type: 'whatsapp', ...WA, apiBase: wa.url }], { publicListen: '127.0.0.1:0' });
  const unknown = await fetch(`${publicUrl}/webhooks/79161234567`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(unknown.status, 404);
  const unrouted = await fetch(`${publicUrl}/wp-login.php?user=79161234567`);
  t.equal(unrouted.status, 404);
  const flood = 150;
  const statuses = new Set<number>();
  for (let i = 0; i < flood; i++) {
    const r = await fetch(`${publicUrl}/webhooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, body: `{"forged":${i}}` });
    await r.arrayBuffer();
    statuses.add(r.status);
  }
  t.same([...statuses], [403], 'every forged webhook is refused');

  t.match(linesOf(logs, 'webhook refused'), [{ code: 'SWB_ERR_NOT_FOUND', path: '/webhooks/:channelId', listener: 'public' }], 'a channel id that is not ours is not written out');
  const logged = linesOf(logs, 'webhook verification failed');
  t.equal(logged.length, REFUSAL_LINES_PER_MINUTE - 1, 'the cap, less the one unknown-channel line of the same minute');
  t.equal(REFUSAL_LINES_PER_MINUTE, 60);
  t.notOk(logs.text.includes('79161234567'), 'nothing a stranger put in a path is logged');
  t.notOk(logs.text.includes('wp-login'), 'unrouted paths are not logged');

  const metric = (name: string) => app.metrics.registry.getSingleMetricAsString(name);
  const refusals = await metric('swb_gateway_public_refusals_total');
  t.match(refusals, /swb_gateway_public_refusals_total\{status="403"\} 150\b/);
  t.match(refusals, /swb_gateway_public_refusals_total\{status="404"\} 2\b/);
  t.match(await metric('swb_gateway_public_refusals_unlogged_total'), new RegExp(`swb_gateway_public_refusals_unlogged_total ${flood + 1 - REFUSAL_LINES_PER_MINUTE}\\b`));
  t.match(await metric('swb_gateway_webhook_verification_failures_total'), /swb_gateway_webhook_verification_failures_total\{channel="wa"\} 150\b/, 'the per-channel count is unchanged');
});

t.test('after a window that dropped refusals, the next line says how many, and logging resumes', async (t) => {
  const logs = new LogCapture();
  const registry = new Registry();
  const metrics = new GatewayMetrics(registry, () => new Map(), () => []);
  const windowMs = 400;
  const app = await buildPublic({ logger: createLogger({ level: 'info', destination: logs }), bodyLimit: 1024 * 1024, bridges: new Map(), metrics, extra: [], refusalLog: { perMinute: 3, windowMs } });
  t.teardown(() => app.close());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const refuse = async () => (await fetch(`${url}/webhooks/nope`, { method: 'POST', body: '{}' })).status;
  for (let i = 0; i < 5; i++) t.equal(await refuse(), 404);
  t.equal(linesOf(logs, 'webhook refused').length, 3);
  await new Promise((r) => setTimeout(r, windowMs + 100));
  t.equal(await refuse(), 404);
  t.match(linesOf(logs, 'public listener refusals left out of the log in the last window'), [{ unlogged: 2, perMinute: 3, level: 40 }]);
  t.equal(linesOf(logs, 'webhook refused').length, 4, 'the new window logs again');
});
