import t, { type Test } from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { bearer, userWithToken } from '../../helpers/appliance.js';

async function setup(t: Test) {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const env = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, department: 'sales', limits: { perSecond: 30, perRecipientSeconds: 0 } }], { publicListen: '127.0.0.1:0' });
  const chat = async (chatId: number) => {
    tg.push(tgText(chatId, 'hello'));
    const clientId = await until(() => clientOf(env.app, 'telegram', String(chatId)), 'client');
    return until(() => env.app.conversations.list({ clientId, limit: 1 })[0], 'conversation');
  };
  return { tg, chat, ...env };
}

t.test('GET /conversations?status=open lists id, clientId, channelId and status for each open conversation', async (t) => {
  const { app, chat, sup } = await setup(t);
  const conv = await chat(1);
  const r = await app.http.inject({ method: 'GET', url: '/api/v1/conversations?status=open', headers: bearer(sup) });
  t.equal(r.statusCode, 200);
  t.match(r.json(), { items: [{ id: conv.id, clientId: conv.clientId, channelId: 'tg', status: 'open', department: 'sales' }] });
});

t.test('a reply retried with the same Idempotency-Key is queued and sent once; another body under that key is a conflict', async (t) => {
  const { tg, app, chat, reply } = await setup(t);
  const conv = await chat(2);
  const key = { 'idempotency-key': 'c0ffee-1' };
  const [a, b] = await Promise.all([reply(conv.id, 'once only', key), reply(conv.id, 'once only', key)]);
  const c = await reply(conv.id, 'once only', key);
  t.equal(a.status, 202);
  t.equal(b.status, 202);
  t.same(b.body, a.body, 'the racing retry gets the first answer');
  t.same(c.body, a.body, 'so does a later one');
  await until(() => tg.textsTo(2).length, 'delivery');
  await new Promise((r) => setTimeout(r, 200));
  t.same(tg.textsTo(2), ['once only']);
  t.equal(messages(app, conv.clientId).filter((m) => m.direction === 'out').length, 1);
  t.equal((await reply(conv.id, 'something else', key)).status, 409);
});

t.test('replies are refused for an invisible conversation, an empty text and a conversation without a channel', async (t) => {
  const { app, chat, reply, sup } = await setup(t);
  const conv = await chat(3);
  const stranger = await userWithToken(app, 'olga', 'operator', 'support');
  const r = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/messages`, headers: bearer(stranger), payload: { text: 'hi' } });
  t.equal(r.statusCode, 404, 'an operator of another department cannot see it');
  t.equal((await reply(conv.id, '   ')).status, 400);
  const manual = await app.conversations.open({ clientId: conv.clientId, channelId: null }, { actor: 'test', source: 'test' });
  const m = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${manual.id}/messages`, headers: bearer(sup), payload: { text: 'hi' } });
  t.equal(m.statusCode, 409);
  t.equal(m.json().error, 'SWB_ERR_CHANNEL_UNAVAILABLE');
});

t.test('an attachment in a reply is stored with its hash and sent as a document with the text as caption', async (t) => {
  const { tg, app, chat, sup } = await setup(t);
  const conv = await chat(4);
  const r = await app.http.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conv.id}/messages`,
    headers: bearer(sup),
    payload: { text: 'your invoice', attachments: [{ name: 'invoice.pdf', mime: 'application/pdf', data: Buffer.from('%PDF-1.4 hello').toString('base64') }] },
  });
  t.equal(r.statusCode, 202);
  t.match(r.json().event.payload.attachments, [{ name: 'invoice.pdf', bytes: 14, sha256: /^[0-9a-f]{64}$/ }]);
  await until(() => tg.sent.length, 'document');
  t.match(tg.sent[0], { method: 'sendDocument', chatId: '4', text: 'your invoice', document: { name: 'invoice.pdf', bytes: 14 } });
});

t.test('a reply may carry up to ten files; an eleventh is a validation error and nothing is queued', async (t) => {
  const { app, chat, sup } = await setup(t);
  const conv = await chat(7);
  const files = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, mime: 'text/plain', data: Buffer.from(`file ${i}`).toString('base64') }));
  const over = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/messages`, headers: bearer(sup), payload: { text: 'too many', attachments: files(11) } });
  t.equal(over.statusCode, 400);
  t.match(over.json(), { error: 'SWB_ERR_VALIDATION', message: /attachments must NOT have more than 10 items/ });
  t.equal(messages(app, conv.clientId).filter((m) => m.direction === 'out').length, 0);
  const ten = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conv.id}/messages`, headers: bearer(sup), payload: { text: 'ten', attachments: files(10) } });
  t.equal(ten.statusCode, 202);
  t.equal(ten.json().event.payload.attachments.length, 10);
});

t.test('blocking a sender on a channel is audited, and their messages are acknowledged but stored nowhere', async (t) => {
  const { tg, app, chat, sup } = await setup(t);
  const conv = await chat(5);
  const b = await app.http.inject({ method: 'POST', url: '/api/v1/channels/tg/blocks', headers: bearer(sup), payload: { value: '5', reason: 'spam' } });
  t.equal(b.statusCode, 201);
  t.match(b.json(), { channelId: 'tg', kind: 'telegram', value: '5', by: 'user:sup' });
  for (let i = 0; i < 5; i++) tg.push(tgText(5, `spam ${i}`));
  tg.push(tgText(6, 'a real client'));
  await until(() => clientOf(app, 'telegram', '6'), 'the next sender');
  t.equal(messages(app, conv.clientId).length, 1, 'only the message from before the block');
  const audit = [...app.audit.all()].filter((a) => a.action === 'channel.block');
  t.match(audit, [{ actor: 'user:sup', target: 'channel:tg', details: { kind: 'telegram' } }]);
  t.notMatch(JSON.stringify(audit), /"5"/, 'the audit does not keep the handle');
  const list = await app.http.inject({ method: 'GET', url: '/api/v1/channels/tg/blocks', headers: bearer(sup) });
  t.equal(list.json().items.length, 1);
  t.equal((await app.http.inject({ method: 'DELETE', url: '/api/v1/channels/tg/blocks/5', headers: bearer(sup) })).statusCode, 204);
  tg.push(tgText(5, 'sorry'));
  await until(() => messages(app, conv.clientId).length === 2, 'messages flow again');
  const failures = await app.metrics.registry.getSingleMetricAsString('swb_gateway_failures_total');
  t.match(failures, /channel="tg",direction="in",reason="blocked"\} 5/);
});

t.test('the public listener serves webhooks and nothing of the local API', async (t) => {
  const { publicUrl, sup } = await setup(t);
  for (const path of ['/api/v1/conversations', '/api/v1/sessions/current', '/metrics', '/healthz', '/readyz', '/api/v1/users']) {
    const r = await fetch(`${publicUrl}${path}`, { headers: bearer(sup) });
    t.equal(r.status, 404, `${path} is not there`);
  }
  t.equal((await fetch(`${publicUrl}/webhooks/nope`, { method: 'POST', body: '{}' })).status, 404, 'an unknown channel');
});

t.test('GET /channels shows each channel with its health and outbox depth', async (t) => {
  const { app, sup } = await setup(t);
  await until(() => app.gateway.bridges.get('tg')!.health() === 'ok', 'polling');
  const r = await app.http.inject({ method: 'GET', url: '/api/v1/channels', headers: bearer(sup) });
  t.same(r.json(), { items: [{ id: 'tg', type: 'telegram', health: 'ok', outbox: 0 }] });
  const ready = await app.http.inject({ method: 'GET', url: '/readyz' });
  t.match(ready.json(), { checks: { 'channel:tg': 'ok' } });
});
