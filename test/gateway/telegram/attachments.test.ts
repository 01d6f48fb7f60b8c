import t, { type Test } from 'tap';
import { FakeTelegram, TG_TOKEN, tgText } from '../../fakes/telegram.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { file, replyWithFiles } from '../reply-files.js';

async function setup(t: Test) {
  const tg = await new FakeTelegram().start();
  t.teardown(() => tg.stop());
  const env = await gatewayAppliance(t, [{ id: 'tg', type: 'telegram', token: TG_TOKEN, apiBase: tg.url, pollTimeoutSeconds: 1, limits: { perSecond: 30, perRecipientSeconds: 0 } }]);
  const chat = async (chatId: number) => {
    tg.push(tgText(chatId, 'hello'));
    const clientId = await until(() => clientOf(env.app, 'telegram', String(chatId)), 'client');
    return until(() => env.app.conversations.list({ clientId, limit: 1 })[0], 'conversation');
  };
  const outbound = (clientId: string) => messages(env.app, clientId).filter((m) => m.direction === 'out');
  const docs = (chatId: number) => tg.sent.filter((s) => s.chatId === String(chatId) && s.method === 'sendDocument').map((s) => `${s.document!.name}|${s.text}`);
  return { tg, chat, outbound, docs, ...env };
}

t.test('a reply with three files goes as three sendDocument calls, the text as the first caption, and is sent once all are', async (t) => {
  const { tg, app, sup, chat, outbound, docs } = await setup(t);
  const conv = await chat(11);
  const r = await replyWithFiles(app, sup, conv.id, 'your papers', [file('a.pdf'), file('b.pdf'), file('c.pdf')]);
  t.equal(r.status, 202);
  t.equal(r.body.event.payload.attachments.length, 3, 'one history event holds the three files');
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent');
  t.same(docs(11), ['a.pdf|your papers', 'b.pdf|', 'c.pdf|']);
  const ids = tg.sent.filter((s) => s.method === 'sendDocument').map((s) => `11:${s.messageId}`);
  t.equal(outbound(conv.clientId)[0]!.payload.externalId, ids[0], 'the event carries the first part\'s id');
  t.same(ids.map((id) => app.gateway.ingest.refOf('tg', id)?.conversationId), [conv.id, conv.id, conv.id], 'every part finds the event');
});

t.test('a text too long for a caption goes first as a message of its own, then the files without one', async (t) => {
  const { tg, app, sup, chat, outbound, docs } = await setup(t);
  const conv = await chat(12);
  const long = 'x'.repeat(1500);
  await replyWithFiles(app, sup, conv.id, long, [file('a.pdf'), file('b.pdf')]);
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent');
  t.same(tg.sent.filter((s) => s.chatId === '12').map((s) => s.method), ['sendMessage', 'sendDocument', 'sendDocument']);
  t.equal(tg.textsTo(12)[0], long);
  t.same(docs(12), ['a.pdf|', 'b.pdf|']);
});

t.test('a part that fails for a while is retried alone: the parts already sent are not sent again', async (t) => {
  const { tg, app, sup, chat, outbound, docs } = await setup(t);
  const conv = await chat(13);
  tg.failNext(2, { kind: 'status', status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } }, /sendDocument/, 1);
  await replyWithFiles(app, sup, conv.id, 'three', [file('a.pdf'), file('b.pdf'), file('c.pdf')]);
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent');
  t.equal(tg.received.filter((r) => r.path.endsWith('/sendDocument')).length, 5, 'two refused attempts at the second part');
  t.same(docs(13), ['a.pdf|three', 'b.pdf|', 'c.pdf|'], 'each file delivered once, in order');
});

t.test('a restart while a part is in flight goes on from that part', async (t) => {
  const { tg, app, sup, chat, outbound, docs } = await setup(t);
  const conv = await chat(14);
  tg.failNext(1, { kind: 'hang' }, /sendDocument/, 1);
  await replyWithFiles(app, sup, conv.id, 'restart', [file('a.pdf'), file('b.pdf'), file('c.pdf')]);
  await until(() => tg.received.filter((r) => r.path.endsWith('/sendDocument')).length === 2, 'the second part hanging');
  const stored = [...app.store.db<{ sentParts?: string[] }>('outbox').getRange({ start: ['item'], end: ['item', Infinity] })].map((e) => e.value.sentParts);
  t.same(stored, [[`14:${tg.sent.find((s) => s.chatId === '14' && s.method === 'sendDocument')!.messageId}`]], 'the sent part is on disk before the next is sent, so a kill -9 here would not resend it');
  await app.gateway.stop();
  t.same(docs(14), ['a.pdf|restart'], 'only the first part went out before the stop');
  await app.gateway.start();
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent after the restart');
  t.same(docs(14), ['a.pdf|restart', 'b.pdf|', 'c.pdf|'], 'the first part was not sent again');
});

t.test('a part refused for good fails the whole reply, saying how many parts had gone', async (t) => {
  const { tg, app, sup, chat, outbound, docs } = await setup(t);
  const conv = await chat(15);
  tg.failNext(1, { kind: 'status', status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: wrong file identifier' } }, /sendDocument/, 1);
  await replyWithFiles(app, sup, conv.id, 'doomed', [file('a.pdf'), file('b.pdf'), file('c.pdf')]);
  const failed = await until(() => outbound(conv.clientId).find((m) => m.payload.status === 'failed'), 'failed');
  t.match(failed.payload.error, /telegram 400: Bad Request: wrong file identifier \(after 1 part\(s\) had been sent\)/);
  t.same(docs(15), ['a.pdf|doomed'], 'nothing after the refused part');
});
