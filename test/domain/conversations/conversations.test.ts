import t, { type Test } from 'tap';
import { domain } from '../../helpers/domain.js';
import { canSee } from '../../../domain/conversations/visibility.js';
import type { Principal, Role } from '../../../domain/access/roles.js';

const ctx = { actor: 'user:lead', source: '127.0.0.1' };

async function setup(t: Test) {
  const d = await domain(t);
  const client = await d.clients.create({ name: 'Client One', identities: [{ kind: 'telegram', value: '42' }] }, ctx);
  return { ...d, client };
}

function who(role: Role, id: string, department: string | null = null): Principal {
  return { kind: role === 'integration' || role === 'metrics' ? 'service' : 'user', id, role, department, sessionId: null };
}

t.test('a channel continues the open conversation for a client and channel instead of opening another', async (t) => {
  const { conversations, client, history } = await setup(t);
  const [a, b] = await Promise.all([conversations.openOrContinue(client.id, 'telegram:main'), conversations.openOrContinue(client.id, 'telegram:main')]);
  t.equal(a.id, b.id, 'two racing first messages share one conversation');
  t.match(a, { clientId: client.id, channelId: 'telegram:main', status: 'open', assignee: null, firstResponseAt: null });
  const other = await conversations.openOrContinue(client.id, 'whatsapp:main');
  t.not(other.id, a.id, 'another channel has its own conversation');
  await t.rejects(conversations.open({ clientId: client.id, channelId: 'telegram:main' }, ctx), { code: 'SWB_ERR_CONFLICT' });
  await t.rejects(conversations.open({ clientId: 'nobody', channelId: null }, ctx), { code: 'SWB_ERR_NOT_FOUND' });
  t.match(history.page(client.id, { limit: 10 }).items.map((e) => e.kind === 'conversation' && e.payload.action), ['open', 'open']);
});

t.test('closing ends a conversation, the next message opens a new one, and reopening is refused while that one is open', async (t) => {
  const { conversations, client, history } = await setup(t);
  const first = await conversations.openOrContinue(client.id, 'telegram:main');
  const closed = await conversations.close(first.id, ctx, 'resolved');
  t.equal(closed.status, 'closed');
  t.ok(closed.closedAt);
  await t.rejects(conversations.close(first.id, ctx), { code: 'SWB_ERR_CONFLICT' });
  const second = await conversations.openOrContinue(client.id, 'telegram:main');
  t.not(second.id, first.id);
  await t.rejects(conversations.reopen(first.id, ctx), { code: 'SWB_ERR_CONFLICT' });
  await conversations.close(second.id, ctx);
  const reopened = await conversations.reopen(first.id, ctx);
  t.match(reopened, { status: 'open', closedAt: null });
  t.equal((await conversations.openOrContinue(client.id, 'telegram:main')).id, first.id);
  const actions = history.page(client.id, { limit: 20 }).items.flatMap((e) => (e.kind === 'conversation' ? [`${e.payload.action}:${e.conversationId === first.id ? 1 : 2}`] : []));
  t.same(actions, ['reopen:1', 'close:2', 'open:2', 'close:1', 'open:1']);
});

t.test('assigning writes an assignment event to the client history and an audit record', async (t) => {
  const { conversations, client, history, audit } = await setup(t);
  const conv = await conversations.openOrContinue(client.id, 'telegram:main');
  const assigned = await conversations.assign(conv.id, { assignee: 'Olga', department: 'support' }, ctx);
  t.match(assigned, { assignee: 'olga', department: 'support' });
  const moved = await conversations.assign(conv.id, { department: 'sales' }, ctx);
  t.match(moved, { assignee: 'olga', department: 'sales' }, 'an omitted side is left as it was');
  const events = history.page(client.id, { limit: 10 }).items.filter((e) => e.kind === 'assignment');
  t.match(events[0], { conversationId: conv.id, actor: { type: 'user', id: 'lead' }, payload: { to: 'olga', department: 'sales', from: { assignee: 'olga', department: 'support' } } });
  t.equal([...audit.all()].filter((r) => r.action === 'conversation.assign').length, 2);
  t.ok(audit.verify().ok);
  await t.rejects(conversations.assign(conv.id, {}, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(conversations.assign(conv.id, { assignee: 'not a user!' }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(conversations.assign('missing', { assignee: 'olga' }, ctx), { code: 'SWB_ERR_NOT_FOUND' });
});

t.test('the first response time is set once; later replies only move the last outbound time', async (t) => {
  const { conversations, client } = await setup(t);
  const conv = await conversations.openOrContinue(client.id, 'telegram:main');
  await conversations.recordInbound(conv.id, '2024-05-01T10:00:00Z');
  await conversations.recordResponse(conv.id, '2024-05-01T10:02:00Z');
  const after = await conversations.recordResponse(conv.id, '2024-05-01T10:09:00Z');
  t.match(after, { lastInboundAt: '2024-05-01T10:00:00.000Z', firstResponseAt: '2024-05-01T10:02:00.000Z', lastOutboundAt: '2024-05-01T10:09:00.000Z' });
  await t.rejects(conversations.recordResponse(conv.id, 'soon'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('an operator sees only conversations assigned to them or to their department', async (t) => {
  const { conversations, clients } = await setup(t);
  const c = async (name: string) => (await clients.create({ name, identities: [] }, ctx)).id;
  const mine = await conversations.open({ clientId: await c('a'), channelId: 'x' }, ctx);
  const team = await conversations.open({ clientId: await c('b'), channelId: 'x', department: 'support' }, ctx);
  const others = await conversations.open({ clientId: await c('c'), channelId: 'x', department: 'sales' }, ctx);
  const nobody = await conversations.open({ clientId: await c('d'), channelId: 'x' }, ctx);
  await conversations.assign(mine.id, { assignee: 'olga' }, ctx);
  const ids = (p: Principal) => new Set(conversations.visibleTo(p, { limit: 100 }).map((x) => x.id));

  t.same(ids(who('operator', 'olga', 'support')), new Set([mine.id, team.id]));
  t.same(ids(who('operator', 'Olga', null)), new Set([mine.id]), 'no department: only what is assigned to them');
  t.same(ids(who('operator', 'petr', 'sales')), new Set([others.id]));
  t.same(ids(who('supervisor', 'sue')), new Set([mine.id, team.id, others.id, nobody.id]));
  t.same(ids(who('admin', 'root')), new Set([mine.id, team.id, others.id, nobody.id]));
  t.same(ids(who('auditor', 'aud')), new Set());
  t.same(ids(who('metrics', 'm1')), new Set());
  t.notOk(canSee(who('operator', 'petr', 'sales'), { ...others, department: null, assignee: null }), 'an unassigned conversation is for supervisors to dispatch');
  t.same(conversations.visibleTo(who('operator', 'olga', 'support'), { limit: 100, department: 'support' }).map((x) => x.id), [team.id], 'filters narrow the visible set further');
});

t.test('list filters by status, assignee, department and client, newest first', async (t) => {
  const { conversations, client, clients } = await setup(t);
  const other = await clients.create({ name: 'Other', identities: [] }, ctx);
  const a = await conversations.open({ clientId: client.id, channelId: 'telegram:main', department: 'support' }, ctx);
  const b = await conversations.open({ clientId: other.id, channelId: 'telegram:main' }, ctx);
  await conversations.close(a.id, ctx);
  t.same(conversations.list({ limit: 10, status: 'open' }).map((x) => x.id), [b.id]);
  t.same(conversations.list({ limit: 10, clientId: client.id }).map((x) => x.id), [a.id]);
  t.same(conversations.list({ limit: 10, department: 'support' }).map((x) => x.id), [a.id]);
  const all = conversations.list({ limit: 10 });
  t.equal(all.length, 2);
  t.same(all.map((x) => x.openedAt), all.map((x) => x.openedAt).sort().reverse(), 'newest opened first');
  t.same(conversations.list({ limit: 1 }).length, 1);
  t.throws(() => conversations.list({ limit: 0 }), { code: 'SWB_ERR_VALIDATION' });
});

t.test('merging clients moves their conversations and closes a duplicate open one on the same channel', async (t) => {
  const { conversations, clients, client, history } = await setup(t);
  const twin = await clients.create({ name: 'Twin', identities: [{ kind: 'phone', value: '+14155550100' }] }, ctx);
  const keep = await conversations.openOrContinue(client.id, 'telegram:main');
  const dup = await conversations.openOrContinue(twin.id, 'telegram:main');
  const voice = await conversations.openOrContinue(twin.id, 'sip');
  await clients.merge(client.id, twin.id, ctx);
  t.match(conversations.get(dup.id), { clientId: client.id, status: 'closed' });
  t.match(conversations.get(voice.id), { clientId: client.id, status: 'open' });
  t.equal((await conversations.openOrContinue(client.id, 'telegram:main')).id, keep.id);
  t.equal((await conversations.openOrContinue(twin.id, 'sip')).id, voice.id, "a merged-away id continues the survivor's conversation");
  t.same(new Set(conversations.list({ limit: 10, clientId: twin.id }).map((x) => x.id)), new Set([keep.id, dup.id, voice.id]));
  t.match(history.page(client.id, { limit: 50 }).items.find((e) => e.kind === 'conversation' && e.payload.action === 'close'), { conversationId: dup.id, payload: { reason: 'merged' } });
});

t.test('deleting a client deletes its conversations', async (t) => {
  const { conversations, clients, client, store } = await setup(t);
  const conv = await conversations.openOrContinue(client.id, 'telegram:main');
  await clients.delete(client.id, ctx);
  t.equal(conversations.get(conv.id), undefined);
  t.equal(store.stats().entries.conversations, 0, 'no index entries are left behind');
});

t.test('injection-looking subjects and channel ids are stored verbatim', async (t) => {
  const { conversations, client } = await setup(t);
  const conv = await conversations.open({ clientId: client.id, channelId: "'; DROP TABLE clients; --", subject: '<script>alert(1)</script>', department: '{"$gt":""}' }, ctx);
  t.match(conversations.get(conv.id), { channelId: "'; DROP TABLE clients; --", subject: '<script>alert(1)</script>', department: '{"$gt":""}' });
  t.same(conversations.list({ limit: 10, department: '{"$gt":""}' }).map((x) => x.id), [conv.id]);
});
