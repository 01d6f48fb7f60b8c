import t from 'tap';
import { spawnSync } from 'node:child_process';
import { gatewayAppliance } from '../../helpers/gateway.js';
import { serviceToken, bearer } from '../../helpers/appliance.js';

t.test('the gateway series are labelled by channel and direction only, and pass promtool check metrics', async (t) => {
  const { app } = await gatewayAppliance(t, [{ id: 'site', type: 'webchat' }, { id: 'wa', type: 'whatsapp', phoneNumberId: '1', accessToken: 'a', appSecret: 'b', verifyToken: 'c' }]);
  const token = await serviceToken(app, 'metrics');
  const text = (await app.http.inject({ method: 'GET', url: '/metrics', headers: bearer(token) })).body;
  for (const series of ['swb_gateway_messages_total{channel="site",direction="in"} 0', 'swb_gateway_outbox_depth{channel="wa"} 0', 'swb_gateway_outbox_oldest_age_seconds{channel="site"} 0', 'swb_gateway_webhook_verification_failures_total{channel="wa"} 0']) {
    t.ok(text.includes(series), series);
  }
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
});
