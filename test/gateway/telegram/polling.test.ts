import t, { type Test } from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';

async function setup(t: Test, extra: Record<string, unknown> = {}) {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const env = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, ...extra }]);
  return { tg, ...env };
}

t.test('a polled Telegram message lands in a new client history and an open conversation, and the reply reaches the chat', async (t) => {
  const { tg, app, reply } = await setup(t);
  tg.push(tgText(4242, 'Hello, is my order ready?'));
  const clientId = await until(() => clientOf(app, 'telegram', '4242'), 'the client');
  const [inbound] = await until(() => messages(app, clientId).length && messages(app, clientId), 'the message');
  t.match(inbound, { direction: 'in', channel: 'tg', payload: { text: 'Hello, is my order ready?', status: 'received' } });
  t.equal(app.clients.get(clientId)!.name, 'Ivan Petrov', 'the name comes from the chat');

  const [conv] = app.conversations.list({ status: 'open', limit: 10 });
  t.match(conv, { clientId, channelId: 'tg', status: 'open' });
  const r = await reply(conv!.id, 'Yes, it ships today.');
  t.equal(r.status, 202);
  t.match(r.body, { event: { direction: 'out', payload: { status: 'queued', text: 'Yes, it ships today.' } } });
  await until(() => tg.textsTo(4242).length, 'the reply at Telegram');
  t.same(tg.textsTo(4242), ['Yes, it ships today.']);
  const out = await until(() => messages(app, clientId).find((m) => m.direction === 'out' && m.payload.status === 'sent'), 'sent status');
  t.match(out.payload.externalId, /^4242:\d+$/);
});

t.test('a restart neither skips nor re-stores polled updates: the offset commits with the messages', async (t) => {
  const { tg, app } = await setup(t);
  tg.push(tgText(7, 'one'));
  const clientId = await until(() => clientOf(app, 'telegram', '7'), 'the client');
  await until(() => messages(app, clientId).length === 1, 'one message');
  await app.gateway.stop();
  tg.push(tgText(7, 'two'));
  await app.gateway.start();
  await until(() => messages(app, clientId).length === 2, 'the second message');
  await new Promise((r) => setTimeout(r, 300));
  t.same(messages(app, clientId).map((m) => m.payload.text), ['one', 'two']);
});
