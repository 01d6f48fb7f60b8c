import t from 'tap';
import { gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { Visitor } from '../../helpers/webchat-client.js';
import { file, replyWithFiles } from '../reply-files.js';

t.test('web chat: a reply with files is one message whose files the visitor opens by signed links, and nobody opens by guessing', async (t) => {
  const { app, sup, publicUrl } = await gatewayAppliance(t, [{ id: 'site', type: 'webchat' }], { publicListen: '127.0.0.1:0' });
  const v = await Visitor.connect(publicUrl!, 'site');
  t.teardown(() => v.close());
  v.send({ type: 'message', id: 'q1', text: 'send me the price list' });
  await v.next('ack');
  const clientId = app.clients.findByIdentity('webchat', v.token!.split('.')[0]!)!.id;
  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;

  t.equal((await replyWithFiles(app, sup, conv.id, 'here you are', [file('prices.pdf', '%PDF prices'), file('Прайс.txt', 'цены', 'text/plain')])).status, 202);
  const pushed = await v.next('message');
  t.equal(pushed.text, 'here you are');
  t.match(pushed.files, [
    { name: 'prices.pdf', mime: 'application/pdf', bytes: 11, url: /^\/webchat\/site\/files\/[0-9a-f]{64}\?/ },
    { name: 'Прайс.txt', mime: 'text/plain', url: String },
  ]);
  await until(() => messages(app, clientId).find((m) => m.direction === 'out')?.payload.status === 'sent', 'sent');

  const got = await fetch(`${publicUrl}${pushed.files[1].url}`);
  t.equal(got.status, 200);
  t.equal(await got.text(), 'цены');
  t.match(got.headers.get('content-disposition'), /^attachment; filename="_____.txt"; filename\*=UTF-8''%D0%9F/);
  t.equal(got.headers.get('content-security-policy'), "default-src 'none'");

  const url = new URL(pushed.files[0].url, publicUrl!);
  url.searchParams.set('mime', 'text/html');
  t.equal((await fetch(url)).status, 404, 'another type under the same signature');
  url.searchParams.set('mime', 'application/pdf');
  url.searchParams.set('sig', 'A'.repeat(43));
  t.equal((await fetch(url)).status, 404, 'a made-up signature');

  const again = await Visitor.connect(publicUrl!, 'site', { token: v.token });
  t.teardown(() => again.close());
  const back = (await again.next('welcome', () => true)).messages.find((m: { direction: string }) => m.direction === 'out');
  t.same(back.files.map((f: { name: string }) => f.name), ['prices.pdf', 'Прайс.txt'], 'the transcript links them too');
});
