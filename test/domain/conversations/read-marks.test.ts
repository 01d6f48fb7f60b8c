import t from 'tap';
import { domain } from '../../helpers/domain.js';
import { ReadMarks, countUnread, unreadSince } from '../../../domain/conversations/read-marks.js';
import type { HistoryEvent } from '../../../domain/history/events.js';

const ctx = { actor: 'user:lead', source: 'test' };
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString();

t.test('a read mark moves only forward, never past now, and is kept per person and conversation', async (t) => {
  const { store } = await domain(t);
  const marks = new ReadMarks(store);
  t.equal(marks.seenAt('olga', 'c1'), null, 'nothing read yet');
  t.equal(await marks.markSeen('Olga', 'c1', at(10)), at(10));
  t.equal(await marks.markSeen('olga', 'c1', at(5)), at(10), 'an older mark does not move it back');
  t.equal(marks.seenAt('OLGA', 'c1'), at(10), 'usernames are case-insensitive');
  const future = new Date(Date.now() + 3600_000).toISOString();
  const clamped = await marks.markSeen('olga', 'c1', future);
  t.ok(clamped <= new Date().toISOString(), 'a mark in the future is clamped to now');
  t.equal(marks.seenAt('pete', 'c1'), null, 'another person has their own');
  t.equal(marks.seenAt('olga', 'c2'), null, 'and another conversation');
  await t.rejects(marks.markSeen('olga', 'c1', 'yesterday'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('unread counts the client messages after the last reply and after the last view, and says when it is only a floor', async (t) => {
  const { clients, conversations, history } = await domain(t);
  const client = await clients.create({ name: 'Ann' }, ctx);
  const conv = await conversations.open({ clientId: client.id, channelId: null }, ctx);
  const other = await conversations.open({ clientId: client.id, channelId: 'tg' }, ctx);
  const msg = async (conversationId: string, direction: 'in' | 'out', minute: number) =>
    history.append({ kind: 'message', clientId: client.id, conversationId, direction, at: at(minute), payload: { text: `${direction} ${minute}`, attachments: [], externalId: null, status: direction === 'in' ? 'received' : 'sent' } });
  await msg(conv.id, 'in', 1);
  await msg(conv.id, 'out', 2);
  await msg(conv.id, 'in', 3);
  await msg(other.id, 'in', 4);
  await msg(conv.id, 'in', 5);
  await history.append({ kind: 'note', clientId: client.id, conversationId: conv.id, direction: 'internal', at: at(6), payload: { text: 'a note is not unread' } });
  const events = history.page(client.id, { limit: 50 }).items as HistoryEvent[];
  const c = { ...conversations.require(conv.id), lastOutboundAt: at(2) };

  t.same(countUnread(events, c, unreadSince(c, null), false), { count: 2, complete: true }, 'two client messages since the reply; the other channel and the note do not count');
  t.same(countUnread(events, c, unreadSince(c, at(3)), false), { count: 1, complete: true }, 'viewed after the third message');
  t.same(countUnread(events, c, unreadSince(c, at(9)), false), { count: 0, complete: true }, 'viewed after all of them');
  t.same(countUnread(events, { ...c, lastOutboundAt: null }, '', false), { count: 3, complete: true }, 'never answered nor viewed: every client message');
  t.same(countUnread(events.filter((e) => e.kind !== 'conversation').slice(0, 2), { ...c, lastOutboundAt: null }, '', true), { count: 1, complete: false }, 'a page that ends before the mark gives a floor');
});
