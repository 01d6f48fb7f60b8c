import t, { type Test } from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { webhookFixture } from '../../helpers/fixtures.js';
import { validateConfig } from '../../../appliance/config/load.js';

const SECRET = 'webhook-secret_0123456789';

async function setup(t: Test, gateway: Record<string, unknown> = {}) {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const env = await gatewayAppliance(t, [{ id: 'tgw', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, mode: 'webhook', webhookUrl: 'https://bot.example.com/webhooks/tgw', webhookSecret: SECRET }], {
    publicListen: '127.0.0.1:0',
    ...gateway,
  });
  const post = async (body: unknown, secret: string | null = SECRET) => {
    const r = await fetch(`${env.publicUrl}/webhooks/tgw`, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) }, body: JSON.stringify(body) });
    return r.status;
  };
  let updateId = 500_000;
  const update = (chatId: number, text: string, extra: Record<string, unknown> = {}) => ({ update_id: ++updateId, ...tgText(chatId, text, extra) });
  return { tg, post, update, ...env };
}

t.test('webhook mode registers the URL and secret with setWebhook, and the URL carries no token', async (t) => {
  const { tg } = await setup(t);
  await until(() => tg.webhook, 'setWebhook');
  t.same(tg.webhook, { url: 'https://bot.example.com/webhooks/tgw', secret: SECRET });
  t.notMatch(tg.webhook!.url, TG_TOKEN.split(':')[1]!);
});

t.test('a config whose webhook URL contains the bot token is refused, naming the key', async (t) => {
  t.throws(
    () => validateConfig({ channels: [{ id: 'x', type: 'telegram', token: TG_TOKEN, mode: 'webhook', webhookUrl: `https://bot.example.com/${TG_TOKEN}`, webhookSecret: 's' }] }, 'test'),
    { code: 'SWB_ERR_CONFIG_INVALID', message: /channels\.0\.webhookUrl: got "\[contains the bot token\]"/ },
  );
  t.throws(() => validateConfig({ channels: [{ id: 'x', type: 'telegram', token: TG_TOKEN, mode: 'webhook' }] }, 'test'), { message: /channels\.0\.webhookUrl: got nothing/ });
  t.throws(() => validateConfig({ channels: [{ id: 'x', type: 'whatsapp', phoneNumberId: 'abc', accessToken: 'a', appSecret: 'b', verifyToken: 'c' }] }, 'test'), { message: /channels\.0\.phoneNumberId: got "abc", expected the WhatsApp Business phone number id/ });
  t.throws(() => validateConfig({ channels: [{ id: 'x', type: 'fax' }] }, 'test'), { message: /channels\.0\.type: got "fax", expected one of telegram, whatsapp, vk, webchat/ });
  t.throws(() => validateConfig({ channels: [{ id: 'x', type: 'telegram', token: { env: 'lower-case-is-not-a-variable' } }] }, 'test'), { message: /channels\.0\.token: got \[redacted\], expected a secret/ }, 'a bad secret is named, never shown');
  t.throws(() => validateConfig({ channels: [{ id: 'x', type: 'webchat' }, { id: 'x', type: 'webchat' }] }, 'test'), { message: /channels\.1\.id: got "x", expected an id no other channel has/ });
});

t.test('the secret token is required and checked: missing 401, wrong 403, nothing stored', async (t) => {
  const { post, update, app } = await setup(t);
  t.equal(await post(update(100, 'no secret'), null), 401);
  t.equal(await post(update(100, 'wrong secret'), 'webhook-secret_0123456788'), 403);
  t.equal(clientOf(app, 'telegram', '100'), undefined);
  t.equal(await post(update(100, 'right secret')), 200);
  t.same(messages(app, clientOf(app, 'telegram', '100')!).map((m) => m.payload.text), ['right secret']);
});

t.test('a redelivered update_id stores nothing new and still gets 200', async (t) => {
  const { post, update, app } = await setup(t);
  const u = update(101, 'once');
  for (let i = 0; i < 3; i++) t.equal(await post(u), 200);
  t.equal(messages(app, clientOf(app, 'telegram', '101')!).length, 1);
  const dup = await app.metrics.registry.getSingleMetricAsString('swb_gateway_duplicates_total');
  t.match(dup, /channel="tgw"\} 2/);
});

t.test('unknown update types and group chats are acknowledged and ignored; a body without update_id is refused', async (t) => {
  const { post, app } = await setup(t);
  for (const name of ['good/telegram-callback-query-ignored.json', 'good/telegram-group-message-ignored.json']) {
    const f = webhookFixture(name);
    t.equal(await post(f.body), 200, f.why);
  }
  const bad = webhookFixture('bad/telegram-not-an-update.json');
  t.equal(await post(bad.body), 400, bad.why);
  t.equal(clientOf(app, 'telegram', '4242'), undefined);
});

t.test('edits, replies, locations, contacts and documents are normalized into the one message shape', async (t) => {
  const { tg, post, update, app } = await setup(t, { attachmentMaxBytes: 100 });
  tg.addFile('doc-1', Buffer.from('%PDF-1.4 invoice'));
  tg.addFile('doc-big', Buffer.alloc(500));
  await post(update(102, 'original', { message_id: 1 }));
  await post({ update_id: 600_001, edited_message: { message_id: 1, date: 1, edit_date: 2, chat: { id: 102, type: 'private' }, text: 'edited' } });
  await post(update(102, 'answering', { reply_to_message: { message_id: 1, date: 1, chat: { id: 102, type: 'private' } } }));
  await post({ update_id: 600_002, message: { message_id: 4, date: 1, chat: { id: 102, type: 'private' }, location: { latitude: 59.93, longitude: 30.31 } } });
  await post({ update_id: 600_003, message: { message_id: 5, date: 1, chat: { id: 102, type: 'private' }, contact: { phone_number: '+79001234567', first_name: 'Anna' } } });
  await post({ update_id: 600_004, message: { message_id: 6, date: 1, chat: { id: 102, type: 'private' }, caption: 'invoice', document: { file_id: 'doc-1', file_name: 'invoice.pdf', mime_type: 'application/pdf', file_size: 16 } } });
  await post({ update_id: 600_005, message: { message_id: 7, date: 1, chat: { id: 102, type: 'private' }, document: { file_id: 'doc-big', file_name: 'big.bin', file_size: 500 } } });
  const [orig, edit, answer, loc, contact, doc, big] = messages(app, clientOf(app, 'telegram', '102')!);
  t.match(orig!.payload, { text: 'original', externalId: '102:1' });
  t.match(edit!.payload, { text: 'edited', editOf: '102:1' });
  t.match(answer!.payload, { text: 'answering', replyTo: '102:1' });
  t.match(loc!.payload.location, { latitude: 59.93, longitude: 30.31 });
  t.match(contact!.payload.contact, { name: 'Anna', phone: '+79001234567' });
  t.match(doc!.payload, { text: 'invoice', attachments: [{ name: 'invoice.pdf', mime: 'application/pdf', bytes: 16, sha256: /^[0-9a-f]{64}$/ }] });
  t.match(big!.payload.attachments, [{ refused: 'too_large', file: '' }]);
  t.notOk(tg.received.some((r) => r.path.includes('doc-big.bin')), 'a file declared over the limit is not even downloaded');
});

t.test('10,000 messages from one sender in a burst are rate-limited with 429 and, redelivered, none is lost or doubled', async (t) => {
  // 200 deliveries in flight against a burst of 100: the limiter is consulted before the commit, so
  // the ones over the burst are refused however fast or slow this machine is today.
  const { post, app } = await setup(t, { inboundPerSenderPerSecond: 1000, inboundBurst: 100 });
  const N = 10_000;
  let limited = 0;
  let unexpected = 0;
  let next = 0;
  // Telegram keeps redelivering what was not answered 200.
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= N) return;
      const u = { update_id: 1_000_000 + i, message: { message_id: i + 1, date: 1, chat: { id: 777, type: 'private' }, text: `spam ${i}` } };
      for (;;) {
        const status = await post(u);
        if (status === 200) break;
        if (status === 429) limited++;
        else unexpected++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  t.equal(unexpected, 0, 'every refusal was a 429');
  const clientId = clientOf(app, 'telegram', '777')!;
  t.equal(app.history.count(clientId), N + 1, 'every message once, plus the conversation opening');
  t.ok(limited > 0, `${limited} deliveries were refused with 429 and redelivered`);
  const texts = new Set(messages(app, clientId).map((m) => m.payload.text));
  t.equal(texts.size, Math.min(N, 200), 'the page holds distinct messages');
});

t.test('the bot token appears in no log line and no error, even when every call to Telegram fails', async (t) => {
  const tg = await new FakeTelegram().start();
  const url = tg.url;
  await tg.stop();
  const { app, logs, reply } = await gatewayAppliance(t, [{ id: 'tgdown', type: 'telegram', token: TG_TOKEN, apiBase: url, pollTimeoutSeconds: 1 }]);
  const client = await app.clients.create({ name: 'Someone', identities: [{ kind: 'telegram', value: '55' }] }, { actor: 'test', source: 'test' });
  const conv = await app.conversations.open({ clientId: client.id, channelId: 'tgdown' }, { actor: 'test', source: 'test' });
  await reply(conv.id, 'into the void');
  await until(() => logs.text.includes('telegram polling failed') && logs.text.includes('reply will be retried'), 'failures logged', 5000);
  const secretPart = TG_TOKEN.split(':')[1]!;
  t.notMatch(logs.text, secretPart, 'no log line carries the token');
  t.match(logs.text, /bot\[redacted\]\/getUpdates/, 'the URL is logged redacted');
  const out = messages(app, client.id).find((m) => m.direction === 'out')!;
  t.equal(out.payload.status, 'queued');
  const item = [...app.store.db('outbox').getRange({ start: ['item'], end: ['item', Infinity] })][0]!.value as { lastError: string };
  t.notMatch(item.lastError, secretPart, 'nor does the stored error');
});
