import t, { type Test } from 'tap';
import type { Appliance } from '../../../appliance/app.js';
import type { LiveEvent } from '../../../gateway/core/live.js';
import { FakeVk, VK, vkMessage } from '../../fakes/vk.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';

const outStatuses = (app: Appliance, clientId: string) => messages(app, clientId).filter((m) => m.direction === 'out').map((m) => m.payload.status);

function unreadIndexed(app: Appliance, peerId: number): number {
  return app.store.db('channels').getKeysCount({ start: ['vk-out', 'vk', peerId, 0], end: ['vk-out', 'vk', peerId, Infinity] });
}

/** Three replies to one peer, each `sent`, with VK's ids for them. */
async function threeReplies(app: Appliance, vk: FakeVk, reply: (c: string, text: string) => Promise<unknown>, peerId: number) {
  const clientId = await until(() => clientOf(app, 'vk', String(peerId)), 'the client');
  const conv = app.conversations.list({ clientId, limit: 1 })[0]!;
  for (const text of ['one', 'two', 'three']) {
    await reply(conv.id, text);
    await until(() => outStatuses(app, clientId).filter((s) => s === 'sent').length === ['one', 'two', 'three'].indexOf(text) + 1, `${text} sent`);
  }
  return { clientId, ids: vk.sent.filter((s) => s.peerId === String(peerId)).map((s) => s.messageId) };
}

function liveReads(t: Test, app: Appliance): LiveEvent[] {
  const seen: LiveEvent[] = [];
  t.teardown(app.gateway.live.subscribe((e) => e.type === 'status' && e.status === 'read' && seen.push(e)));
  return seen;
}

t.test('VK Callback API: message_read marks every reply up to read_message_id read, once, and a late lower receipt changes nothing', async (t) => {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const { app, reply, publicUrl } = await gatewayAppliance(t, [{ id: 'vk', type: 'vk', groupId: VK.groupId, accessToken: VK.accessToken, secret: VK.secret, confirmation: VK.confirmation, apiBase: `${vk.url}/method` }], { publicListen: '127.0.0.1:0' });
  const post = async (event: Record<string, unknown>) => (await fetch(`${publicUrl}/webhooks/vk`, { method: 'POST', body: JSON.stringify({ group_id: VK.groupId, secret: VK.secret, event_id: `r${Math.random()}`, v: '5.199', ...event }) })).text();
  t.equal(await post(vkMessage(7001, 'hello')), 'ok');
  const reads = liveReads(t, app);
  const { clientId, ids } = await threeReplies(app, vk, reply, 7001);
  t.equal(unreadIndexed(app, 7001), 3, 'three unread replies indexed');

  t.equal(await post(vk.readEvent(7001, ids[1]!)), 'ok');
  await until(() => outStatuses(app, clientId).filter((s) => s === 'read').length === 2, 'two read');
  t.same(outStatuses(app, clientId), ['read', 'read', 'sent'], 'the reply after read_message_id is still only sent');
  t.equal(reads.length, 2, 'each change is published live');
  t.equal(unreadIndexed(app, 7001), 1, 'read replies leave the index');

  t.equal(await post(vk.readEvent(7001, ids[0]!)), 'ok', 'a late receipt for a lower id');
  t.equal(await post(vk.readEvent(7001, ids[1]!)), 'ok', 'a redelivered receipt');
  t.same(outStatuses(app, clientId), ['read', 'read', 'sent'], 'neither moves anything, forward or back');
  t.equal(reads.length, 2);

  t.equal(await post({ type: 'message_read', object: { from_id: 2_000_000_001, peer_id: 2_000_000_001, read_message_id: ids[2]!, conversation_message_id: 3 } }), 'ok', 'a group chat');
  t.equal(await post(vk.readEvent(7002, ids[2]!)), 'ok', 'another peer reading up to that id');
  t.same(outStatuses(app, clientId), ['read', 'read', 'sent'], 'touch nothing of this dialog');

  t.equal(await post(vk.readEvent(7001, ids[2]!)), 'ok');
  await until(() => outStatuses(app, clientId).every((s) => s === 'read'), 'all read');
  t.equal(unreadIndexed(app, 7001), 0);
});

t.test('VK Bots Long Poll: message_read marks the replies read the same way', async (t) => {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const { app, reply } = await gatewayAppliance(t, [{ id: 'vk', type: 'vk', mode: 'longpoll', groupId: VK.groupId, accessToken: VK.accessToken, apiBase: `${vk.url}/method` }]);
  vk.push(vkMessage(7101, 'by long poll'));
  const { clientId, ids } = await threeReplies(app, vk, reply, 7101);
  vk.push(vk.readEvent(7101, ids[0]!));
  await until(() => outStatuses(app, clientId)[0] === 'read', 'the first read');
  vk.push(vk.readEvent(7101, ids[2]!));
  await until(() => outStatuses(app, clientId).every((s) => s === 'read'), 'all read');
  vk.push(vk.readEvent(7101, ids[1]!));
  vk.push(vkMessage(7101, 'after the late receipt'));
  await until(() => messages(app, clientId).length === 5, 'the message after it');
  t.same(outStatuses(app, clientId), ['read', 'read', 'read'], 'a late lower receipt takes nothing back');
});

t.test('a receipt that arrives before our sent commit marks the reply read as soon as it commits', async (t) => {
  const vk = await new FakeVk().start();
  t.teardown(() => vk.stop());
  const { app, reply, publicUrl } = await gatewayAppliance(t, [{ id: 'vk', type: 'vk', groupId: VK.groupId, accessToken: VK.accessToken, secret: VK.secret, confirmation: VK.confirmation, apiBase: `${vk.url}/method` }], { publicListen: '127.0.0.1:0' });
  const post = async (event: Record<string, unknown>) => (await fetch(`${publicUrl}/webhooks/vk`, { method: 'POST', body: JSON.stringify({ group_id: VK.groupId, secret: VK.secret, v: '5.199', ...event }) })).text();
  await post({ ...vkMessage(7201, 'hi'), event_id: 'early1' });
  const clientId = await until(() => clientOf(app, 'vk', '7201'), 'the client');
  vk.acceptThenHang(1);
  await reply(app.conversations.list({ clientId, limit: 1 })[0]!.id, 'read before we knew');
  const delivered = await until(() => vk.sent.find((s) => s.peerId === '7201'), 'VK has it');
  t.equal(await post({ ...vk.readEvent(7201, delivered.messageId), event_id: 'early2' }), 'ok');
  t.same(outStatuses(app, clientId), ['queued'], 'nothing of ours to mark yet');
  await until(() => outStatuses(app, clientId)[0] === 'read', 'read once the resend commits', 8000);
  t.equal(unreadIndexed(app, 7201), 0, 'and it never enters the unread index');
});
