import t from 'tap';
import { orderedPage, waitingOf } from '../../../domain/conversations/inbox-order.js';
import type { Conversation } from '../../../domain/conversations/types.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute)).toISOString();

function conv(id: string, o: Partial<Conversation> & { awaitingSince?: string | null } = {}): Conversation {
  return { id, clientId: `c-${id}`, channelId: null, status: 'open', assignee: null, department: null, tags: [], openedAt: at(0), closedAt: null, firstResponseAt: null, lastInboundAt: null, lastOutboundAt: null, ...o };
}

function pageAll(all: Conversation[], order: 'activity' | 'waiting', limit: number): { ids: string[]; pages: number; totals: number[] } {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p = orderedPage(all, order, cursor, limit);
    ids.push(...p.items.map((c) => c.id));
    totals.push(p.total);
    cursor = p.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages, totals };
}

t.test('paging by cursor walks every conversation once, most recent activity first, ties broken by id', async (t) => {
  const all = Array.from({ length: 45 }, (_, i) => conv(`k${String(i).padStart(2, '0')}`, { lastInboundAt: at(i % 10) }));
  const { ids, pages, totals } = pageAll(all, 'activity', 10);
  t.equal(pages, 5);
  t.equal(new Set(ids).size, 45, 'no conversation twice');
  t.same(totals, [45, 45, 45, 45, 45], 'every page knows the total');
  const expected = [...all].sort((a, b) => (a.lastInboundAt! === b.lastInboundAt! ? (a.id < b.id ? -1 : 1) : a.lastInboundAt! < b.lastInboundAt! ? 1 : -1)).map((c) => c.id);
  t.same(ids, expected);
});

t.test('the cursor is a position: a conversation that moves to the top while someone pages shifts nothing after it', async (t) => {
  const all = Array.from({ length: 30 }, (_, i) => conv(`m${String(i).padStart(2, '0')}`, { lastInboundAt: at(30 - i) }));
  const first = orderedPage(all, 'activity', null, 10);
  t.same(first.items.map((c) => c.id), all.slice(0, 10).map((c) => c.id));
  // m25 gets a message: it is now the newest of all.
  all[25] = { ...all[25]!, lastInboundAt: at(59) };
  const second = orderedPage(all, 'activity', first.nextCursor, 10);
  t.same(second.items.map((c) => c.id), all.slice(10, 20).map((c) => c.id), 'the second page is what followed the first');
  t.equal(orderedPage(all, 'activity', null, 10).items[0]!.id, 'm25', 'the moved one heads a fresh first page');
});

t.test('the waiting order puts the longest wait first and those nobody waits on last', async (t) => {
  const all = [
    conv('answered', { lastInboundAt: at(1), lastOutboundAt: at(2) }),
    conv('recent', { lastInboundAt: at(20), awaitingSince: at(20) }),
    conv('oldest', { lastInboundAt: at(30), awaitingSince: at(3) }),
    conv('legacy', { lastInboundAt: at(10) }),
    conv('clock-stopped', { lastInboundAt: at(5), awaitingSince: null }),
  ];
  t.same(orderedPage(all, 'waiting', null, 10).items.map((c) => c.id), ['oldest', 'legacy', 'recent', 'answered', 'clock-stopped']);
  t.equal(waitingOf(conv('closed', { status: 'closed', awaitingSince: at(1) })), null, 'a closed conversation waits for nobody');
  const { ids } = pageAll(all, 'waiting', 2);
  t.same(ids, ['oldest', 'legacy', 'recent', 'answered', 'clock-stopped'], 'and pages the same way');
});

t.test('a cursor from another order, or made up, is refused', async (t) => {
  const all = Array.from({ length: 5 }, (_, i) => conv(`x${i}`));
  const p = orderedPage(all, 'activity', null, 2);
  t.throws(() => orderedPage(all, 'waiting', p.nextCursor, 2), { code: 'SWB_ERR_VALIDATION' });
  t.throws(() => orderedPage(all, 'activity', 'bm90IGEgY3Vyc29y', 2), { code: 'SWB_ERR_VALIDATION' });
  t.same(orderedPage([], 'activity', null, 2), { items: [], total: 0, nextCursor: null });
});
