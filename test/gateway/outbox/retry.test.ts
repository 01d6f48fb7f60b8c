import t, { type Test } from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { FakeWhatsApp, WA, sign, waText } from '../../fakes/whatsapp.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import type { Appliance } from '../../../appliance/app.js';

async function telegram(t: Test, extra: Record<string, unknown> = {}, gateway: Record<string, unknown> = {}) {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const env = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, ...extra }], gateway);
  /** A client who wrote in, and their open conversation. */
  const chat = async (chatId: number) => {
    tg.push(tgText(chatId, 'hi'));
    const clientId = await until(() => clientOf(env.app, 'telegram', String(chatId)), `client ${chatId}`);
    return until(() => env.app.conversations.list({ clientId, limit: 1 })[0], 'conversation');
  };
  return { tg, chat, ...env };
}

const sends = (tg: FakeTelegram) => tg.received.filter((r) => r.path.endsWith('/sendMessage'));
const outStatuses = (app: Appliance, clientId: string) => messages(app, clientId).filter((m) => m.direction === 'out').map((m) => m.payload.status);

t.test('a 429 is retried after exactly the retry_after Telegram asked for, and the reply is sent once', async (t) => {
  const { tg, chat, reply } = await telegram(t);
  const conv = await chat(1);
  tg.failNext(1, { kind: 'status', status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } }, /sendMessage/);
  await reply(conv.id, 'after the flood wait');
  await until(() => tg.textsTo(1).length, 'delivery', 5000);
  const [first, second] = sends(tg);
  t.ok(second!.at - first!.at >= 1000, `the second attempt came ${second!.at - first!.at} ms after the 429`);
  t.same(tg.textsTo(1), ['after the flood wait']);
});

t.test('5xx answers, reset connections and a hanging provider are retried with backoff until the reply goes through', async (t) => {
  const { tg, chat, reply, app } = await telegram(t, {}, { outbox: { baseDelayMs: 50, maxDelayMs: 200, requestTimeoutMs: 300 } });
  const conv = await chat(2);
  tg.failNext(1, { kind: 'status', status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } }, /sendMessage/);
  tg.failNext(1, { kind: 'reset' }, /sendMessage/);
  tg.failNext(1, { kind: 'hang' }, /sendMessage/);
  await reply(conv.id, 'through the storm');
  await until(() => tg.textsTo(2).length, 'delivery', 8000);
  t.equal(sends(tg).length, 4, 'three failed attempts, then one that worked');
  t.same(tg.textsTo(2), ['through the storm']);
  await until(() => outStatuses(app, conv.clientId)[0] === 'sent', 'sent');
  const failures = await app.metrics.registry.getSingleMetricAsString('swb_gateway_failures_total');
  t.match(failures, /channel="tg",direction="out",reason="retry"\} 3/);
});

t.test('a permanent error fails the reply at once with the reason, and the conversation goes on', async (t) => {
  const { tg, chat, reply, app } = await telegram(t);
  const conv = await chat(3);
  tg.blockedChats.add('3');
  await reply(conv.id, 'you blocked me');
  await until(() => outStatuses(app, conv.clientId)[0] === 'failed', 'failed');
  const failed = messages(app, conv.clientId).find((m) => m.direction === 'out')!;
  t.match(failed.payload.error, /403: Forbidden: bot was blocked by the user/);
  t.equal(sends(tg).length, 1, 'not retried');
  tg.blockedChats.clear();
  await reply(conv.id, 'unblocked now');
  await until(() => tg.textsTo(3).length, 'the next reply');
  t.same(tg.textsTo(3), ['unblocked now']);
});

t.test('with the provider down for a while the outbox drains afterwards, in order per conversation', async (t) => {
  const { tg, chat, reply, app } = await telegram(t, { limits: { perSecond: 30, perRecipientSeconds: 0 } });
  const a = await chat(10);
  const b = await chat(11);
  // The outage length is the fake's; the test takes it as long as it lasts, here 3 s.
  tg.outage(3000, { kind: 'status', status: 503, body: { ok: false, error_code: 503, description: 'Service Unavailable' } }, /sendMessage/);
  for (let i = 1; i <= 5; i++) {
    await reply(a.id, `a${i}`);
    await reply(b.id, `b${i}`);
  }
  const depth = await app.metrics.registry.getSingleMetricAsString('swb_gateway_outbox_depth');
  t.match(depth, /channel="tg"\} 10/, 'all ten wait in the outbox');
  await until(() => tg.textsTo(10).length === 5 && tg.textsTo(11).length === 5, 'the drain', 10_000);
  t.same(tg.textsTo(10), ['a1', 'a2', 'a3', 'a4', 'a5']);
  t.same(tg.textsTo(11), ['b1', 'b2', 'b3', 'b4', 'b5']);
  await until(() => app.gateway.outbox.depth === 0, 'an empty outbox once each sent is committed');
  t.pass('the outbox is empty');
});

t.test('Telegram pacing: about one message a second to one chat, and no 429 from a provider that enforces it', async (t) => {
  const { tg, chat, reply } = await telegram(t);
  tg.enforceLimits = true;
  const conv = await chat(20);
  for (let i = 1; i <= 3; i++) await reply(conv.id, `m${i}`);
  await until(() => tg.textsTo(20).length === 3, 'three messages', 8000);
  const at = sends(tg).map((r) => r.at);
  // Arrival times at the fake carry the event loop's jitter under load: "about" a second, as the fake enforces it.
  t.ok(at[1]! - at[0]! >= 950 && at[2]! - at[1]! >= 950, `a second apart (${at[1]! - at[0]!} ms, ${at[2]! - at[1]!} ms)`);
  t.equal(sends(tg).length, 3, 'never refused');
});

t.test('a reply still unsent after giveUpAfterSeconds is failed, not retried forever', async (t) => {
  const { tg, chat, reply, app } = await telegram(t, {}, { outbox: { baseDelayMs: 100, maxDelayMs: 200, requestTimeoutMs: 500, giveUpAfterSeconds: 1 } });
  const conv = await chat(30);
  tg.outage(60_000, { kind: 'status', status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } }, /sendMessage/);
  await reply(conv.id, 'never arrives');
  await until(() => outStatuses(app, conv.clientId)[0] === 'failed', 'failed', 5000);
  t.match(messages(app, conv.clientId).find((m) => m.direction === 'out')!.payload.error, /gave up after \d+ attempts/);
});

t.test('WhatsApp pair-rate (131056) and throughput (130429) errors are retried, not failed', async (t) => {
  const wa = await new FakeWhatsApp().start();
  t.teardown(() => wa.stop());
  wa.enforceLimits = true;
  wa.pairGapMs = 300;
  const { app, publicUrl, reply } = await gatewayAppliance(t, [{ id: 'wa', type: 'whatsapp', ...WA, apiBase: wa.url, limits: { perSecond: 80, perRecipientSeconds: 0 } }], { publicListen: '127.0.0.1:0' });
  const raw = JSON.stringify(waText('79161112233', 'hi'));
  await fetch(`${publicUrl}/webhooks/wa`, { method: 'POST', headers: { 'x-hub-signature-256': sign(raw), 'content-type': 'application/json' }, body: raw });
  const conv = app.conversations.list({ limit: 1 })[0]!;
  wa.failNext(1, { kind: 'status', status: 429, body: { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429 } } }, /messages/);
  for (const text of ['one', 'two', 'three']) await reply(conv.id, text);
  await until(() => wa.textsTo('79161112233').length === 3, 'three', 8000);
  t.same(wa.textsTo('79161112233'), ['one', 'two', 'three']);
  await until(() => outStatuses(app, conv.clientId).every((s) => s === 'sent'), 'all sent', 5000);
  t.ok(wa.received.some((r) => r.body.includes('"two"')) && wa.received.length > 3, 'some sends were refused and retried');
});
