import t, { type Test } from 'tap';
import { FakeWhatsApp, WA, sign, waStatus, waText } from '../../fakes/whatsapp.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { file, replyWithFiles } from '../reply-files.js';

async function setup(t: Test) {
  const wa = await new FakeWhatsApp().start();
  t.teardown(() => wa.stop());
  const env = await gatewayAppliance(t, [{ id: 'wa', type: 'whatsapp', ...WA, apiBase: wa.url, limits: { perSecond: 80, perRecipientSeconds: 0 } }], { publicListen: '127.0.0.1:0' });
  const post = async (body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    return (await fetch(`${env.publicUrl}/webhooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw) }, body: raw })).status;
  };
  const chat = async (from: string) => {
    await post(waText(from, 'hello'));
    const clientId = clientOf(env.app, 'whatsapp', from)!;
    return env.app.conversations.list({ clientId, limit: 1 })[0]!;
  };
  const outbound = (clientId: string) => messages(env.app, clientId).filter((m) => m.direction === 'out');
  return { wa, post, chat, outbound, ...env };
}

t.test('a reply with two files goes as one uploaded document message per file, the text as the first caption', async (t) => {
  const { wa, app, sup, chat, outbound } = await setup(t);
  const conv = await chat('79160000001');
  t.equal((await replyWithFiles(app, sup, conv.id, 'both contracts', [file('one.pdf', 'first'), file('two.pdf', 'second')])).status, 202);
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent');
  t.match(wa.sent, [
    { to: '79160000001', type: 'document', text: 'both contracts', filename: 'one.pdf' },
    { to: '79160000001', type: 'document', text: '', filename: 'two.pdf' },
  ]);
  t.same(wa.sent.map((s) => wa.media.get(s.documentId!)!.data.toString()), ['first', 'second'], 'each message carries its own upload');
  t.equal(outbound(conv.clientId)[0]!.payload.externalId, wa.sent[0]!.wamid);
});

t.test('a text over the 1024-character caption limit goes first as a text message', async (t) => {
  const { wa, app, sup, chat, outbound } = await setup(t);
  const conv = await chat('79160000002');
  await replyWithFiles(app, sup, conv.id, 'y'.repeat(2000), [file('one.pdf')]);
  await until(() => outbound(conv.clientId)[0]?.payload.status === 'sent', 'sent');
  t.same(wa.sent.map((s) => `${s.type}:${s.text.length}`), ['text:2000', 'document:0']);
});

t.test('a failed status for any part fails the reply; a receipt for any part moves it on', async (t) => {
  const { wa, post, app, sup, chat, outbound } = await setup(t);
  const a = await chat('79160000003');
  await replyWithFiles(app, sup, a.id, 'two', [file('one.pdf'), file('two.pdf')]);
  await until(() => outbound(a.clientId)[0]?.payload.status === 'sent', 'sent');
  t.equal(await post(waStatus(wa.sent[1]!.wamid, 'failed', '79160000003', [{ code: 131053, title: 'Media upload error' }])), 200);
  t.equal(outbound(a.clientId)[0]!.payload.status, 'failed', 'the second part failing fails the whole');

  const b = await chat('79160000004');
  await replyWithFiles(app, sup, b.id, 'two', [file('one.pdf'), file('two.pdf')]);
  await until(() => outbound(b.clientId)[0]?.payload.status === 'sent', 'sent');
  t.equal(await post(waStatus(wa.sent[3]!.wamid, 'delivered', '79160000004')), 200);
  t.equal(outbound(b.clientId)[0]!.payload.status, 'delivered');
});
