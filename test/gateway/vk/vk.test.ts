import t, { type Test } from 'tap';
import { FakeVk, VK, vkMessage } from '../../fakes/vk.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';

async function callback(t: Test) {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const env = await gatewayAppliance(t, [{ id: 'vk', type: 'vk', groupId: VK.groupId, accessToken: VK.accessToken, secret: VK.secret, confirmation: VK.confirmation, apiBase: `${vk.url}/method` }], { publicListen: '127.0.0.1:0' });
  const post = async (event: Record<string, unknown>, secret: string | null = VK.secret) => {
    const r = await fetch(`${env.publicUrl}/webhooks/vk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ group_id: VK.groupId, v: '5.199', ...(secret === null ? {} : { secret }), ...event }) });
    return { status: r.status, text: await r.text() };
  };
  return { vk, post, ...env };
}

t.test('VK Callback API: the confirmation code answers the handshake, events need the secret, each is stored once and answered "ok"', async (t) => {
  const { vk, post, app, reply } = await callback(t);
  t.same(await post({ type: 'confirmation' }), { status: 200, text: VK.confirmation });
  t.equal((await post({ type: 'confirmation' }, 'wrong')).status, 403, 'not to someone without the secret');
  t.equal((await post({ ...vkMessage(5001, 'no secret'), event_id: 'e0' }, null)).status, 401);
  t.equal((await post({ ...vkMessage(5001, 'wrong'), event_id: 'e00' }, 'nope')).status, 403);
  t.equal(clientOf(app, 'vk', '5001'), undefined);
  const event = { ...vkMessage(5001, 'Добрый день'), event_id: 'e1' };
  t.same(await post(event), { status: 200, text: 'ok' });
  t.same(await post(event), { status: 200, text: 'ok' }, 'a redelivery is answered ok');
  t.same(await post({ type: 'group_join', object: { user_id: 5001 }, event_id: 'e2' }), { status: 200, text: 'ok' }, 'an event type we do not handle');
  const clientId = clientOf(app, 'vk', '5001')!;
  t.same(messages(app, clientId).map((m) => m.payload.text), ['Добрый день']);

  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;
  await reply(conv.id, 'Здравствуйте!');
  await until(() => vk.textsTo(5001).length, 'messages.send');
  t.match(vk.sent[0], { peerId: '5001', text: 'Здравствуйте!', randomId: Number });
  await until(() => messages(app, clientId).find((m) => m.direction === 'out')?.payload.status === 'sent', 'sent');
});

t.test('a reply whose send VK accepted but never answered is sent again after a timeout, and random_id keeps it to one message', async (t) => {
  const { vk, post, app, reply } = await callback(t);
  await post({ ...vkMessage(5002, 'hi'), event_id: 'x1' });
  const conv = app.conversations.list({ clientId: clientOf(app, 'vk', '5002')!, limit: 1 })[0]!;
  vk.acceptThenHang(1);
  await reply(conv.id, 'exactly once');
  await until(() => vk.received.filter((r) => r.path.endsWith('messages.send')).length >= 2, 'the resend', 8000);
  await until(() => messages(app, conv.clientId).find((m) => m.direction === 'out')?.payload.status === 'sent', 'sent', 8000);
  t.same(vk.textsTo(5002), ['exactly once']);
  const [a, b] = vk.received.filter((r) => r.path.endsWith('messages.send')).map((r) => new URLSearchParams(r.body.toString()).get('random_id'));
  t.equal(a, b, 'the same random_id both times');
});

t.test('VK errors: rate limits (6, 9) are retried, a refused recipient (901) fails the reply', async (t) => {
  const { vk, post, app, reply } = await callback(t);
  await post({ ...vkMessage(5003, 'hi'), event_id: 'y1' });
  const conv = app.conversations.list({ clientId: clientOf(app, 'vk', '5003')!, limit: 1 })[0]!;
  vk.failNext(1, { kind: 'status', status: 200, body: { error: { error_code: 6, error_msg: 'Too many requests per second' } } });
  vk.failNext(1, { kind: 'status', status: 200, body: { error: { error_code: 9, error_msg: 'Flood control' } } });
  await reply(conv.id, 'after the limits');
  await until(() => vk.textsTo(5003).length, 'delivery', 5000);
  vk.failNext(1, { kind: 'status', status: 200, body: { error: { error_code: 901, error_msg: "Can't send messages for users without permission" } } });
  await reply(conv.id, 'not allowed');
  await until(() => messages(app, conv.clientId).some((m) => m.payload.status === 'failed'), 'failed', 5000);
  t.same(vk.textsTo(5003), ['after the limits']);
});

t.test('VK Bots Long Poll: events are fetched with the key and ts, stored once, and ts survives a restart', async (t) => {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const { app } = await gatewayAppliance(t, [{ id: 'vklp', type: 'vk', mode: 'longpoll', groupId: VK.groupId, accessToken: VK.accessToken, apiBase: `${vk.url}/method` }]);
  vk.push(vkMessage(6001, 'by long poll'));
  const clientId = await until(() => clientOf(app, 'vk', '6001'), 'the client');
  await until(() => messages(app, clientId).length === 1, 'the message');
  await app.gateway.stop();
  vk.push(vkMessage(6001, 'while away'));
  await app.gateway.start();
  await until(() => messages(app, clientId).length === 2, 'the second');
  t.same(messages(app, clientId).map((m) => m.payload.text), ['by long poll', 'while away']);
});
