import t from 'tap';
import { FakeVk, VK, vkMessage } from '../../fakes/vk.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { file, replyWithFiles } from '../reply-files.js';

t.test('VK: each file is uploaded and saved as a doc, then ONE messages.send carries them all, exactly once', async (t) => {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const { app, sup, publicUrl } = await gatewayAppliance(t, [{ id: 'vk', type: 'vk', groupId: VK.groupId, accessToken: VK.accessToken, secret: VK.secret, confirmation: VK.confirmation, apiBase: `${vk.url}/method` }], { publicListen: '127.0.0.1:0' });
  await fetch(`${publicUrl}/webhooks/vk`, { method: 'POST', body: JSON.stringify({ ...vkMessage(8001, 'hi'), group_id: VK.groupId, secret: VK.secret, event_id: 'f1' }) });
  const clientId = await until(() => clientOf(app, 'vk', '8001'), 'the client');
  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;
  const out = () => messages(app, clientId).find((m) => m.direction === 'out');

  vk.acceptThenHang(1);
  t.equal((await replyWithFiles(app, sup, conv.id, 'three files', [file('a.pdf', 'aa'), file('b.pdf', 'bbb'), file('c.pdf', 'c')])).status, 202);
  await until(() => out()?.payload.status === 'sent', 'sent after the unanswered first try', 8000);
  t.equal(vk.sent.length, 1, 'one message, although messages.send was called twice');
  t.same(vk.sent[0]!.docs, [{ title: 'a.pdf', bytes: 2 }, { title: 'b.pdf', bytes: 3 }, { title: 'c.pdf', bytes: 1 }]);
  t.equal(vk.sent[0]!.text, 'three files');
  const sends = vk.received.filter((r) => r.path.endsWith('messages.send')).map((r) => new URLSearchParams(r.body.toString()).get('attachment'));
  t.match(sends[0], /^doc-\d+_\d+,doc-\d+_\d+,doc-\d+_\d+$/, 'comma-separated doc<owner>_<id>');

  await replyWithFiles(app, sup, conv.id, '', [file('only.pdf')]);
  await until(() => vk.sent.length === 2, 'a reply of a file alone');
  t.match(vk.sent[1], { text: '', docs: [{ title: 'only.pdf' }] });
});
