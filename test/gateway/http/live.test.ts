import t from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { gatewayAppliance, until } from '../../helpers/gateway.js';
import { bearer, userWithToken } from '../../helpers/appliance.js';
import { subscribe } from './sse-client.js';

t.test('operators get new messages and status changes pushed within a second, and only for conversations they may see', async (t) => {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const { app, sup, reply } = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, department: 'sales' }]);
  const url = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const ann = await userWithToken(app, 'ann', 'operator', 'sales');
  const zed = await userWithToken(app, 'zed', 'operator', 'support');
  const streams = { sup: await subscribe(url, sup), ann: await subscribe(url, ann), zed: await subscribe(url, zed) };
  t.teardown(() => Object.values(streams).forEach((s) => s.close()));

  const pushed = Date.now();
  tg.push(tgText(9, 'anyone there?'));
  const got = await until(() => streams.ann.events.find((e) => e.event === 'message'), 'the push to ann', 3000);
  t.ok(got.at - pushed < 1000, `ann saw it ${got.at - pushed} ms after Telegram had it`);
  t.match(got.data, { type: 'message', event: { direction: 'in', payload: { text: 'anyone there?' } } });
  await until(() => streams.sup.events.find((e) => e.event === 'message'), 'the push to the supervisor', 3000);
  t.ok(streams.sup.events.some((e) => e.event === 'conversation'), 'the new conversation is announced');

  await reply(got.data.conversationId, 'yes!');
  const status = await until(() => streams.ann.events.find((e) => e.event === 'status'), 'the sent status', 3000);
  t.match(status.data, { status: 'sent', conversationId: got.data.conversationId });
  await new Promise((r) => setTimeout(r, 200));
  t.same(streams.zed.events, [], 'an operator of another department hears nothing of it');
});

t.test('the event stream is authenticated like the API and asks for Accept: text/event-stream', async (t) => {
  const { app, sup } = await gatewayAppliance(t, []);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/events', headers: { accept: 'text/event-stream' } })).statusCode, 401);
  const auditor = await userWithToken(app, 'aud', 'auditor');
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/events', headers: { ...bearer(auditor), accept: 'text/event-stream' } })).statusCode, 403);
  t.equal((await app.http.inject({ method: 'GET', url: '/api/v1/events', headers: bearer(sup) })).statusCode, 400);
});
