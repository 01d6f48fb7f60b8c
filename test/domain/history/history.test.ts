import t, { type Test } from 'tap';
import { domain } from '../../helpers/domain.js';
import { HistoryService } from '../../../domain/history/history.js';
import type { HistoryEvent } from '../../../domain/history/events.js';

const setup = domain;

const CLIENT = '3f1c0b8e-0000-4000-8000-000000000001';
const OTHER = '3f1c0b8e-0000-4000-8000-000000000002';

function readAll(history: HistoryService, clientId: string, limit: number): { events: HistoryEvent[]; pages: number } {
  const events: HistoryEvent[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = history.page(clientId, { limit, cursor });
    events.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 1000);
  return { events, pages };
}

t.test('a timeline of 250 events pages newest first by cursor with no duplicates or gaps', async (t) => {
  const { store, history } = await setup(t);
  const base = Date.UTC(2024, 4, 1);
  const written: HistoryEvent[] = [];
  await store.write(() => {
    // Three events per millisecond, so ties inside one millisecond are exercised too.
    for (let i = 0; i < 250; i++) {
      written.push(history.appendInTxn({ kind: 'note', clientId: CLIENT, at: new Date(base + Math.floor(i / 3)).toISOString(), payload: { text: `n${i}` } }));
    }
    history.appendInTxn({ kind: 'note', clientId: OTHER, payload: { text: 'not mine' } });
  });
  t.equal(history.count(CLIENT), 250);

  const { events, pages } = readAll(history, CLIENT, 7);
  t.equal(pages, Math.ceil(250 / 7));
  t.same(events.map((e) => e.id), written.map((e) => e.id).reverse(), 'every event once, newest first');
  t.equal(new Set(events.map((e) => e.id)).size, 250);
  t.ok(events.every((e) => e.clientId === CLIENT));

  const exact = readAll(history, CLIENT, 125);
  t.equal(exact.pages, 2, 'a last page that is exactly full reports no next cursor');
  t.equal(exact.events.length, 250);
});

t.test('events appended while paging do not shift or repeat the pages still to come', async (t) => {
  const { history } = await setup(t);
  const base = Date.UTC(2024, 4, 1);
  for (let i = 0; i < 20; i++) await history.append({ kind: 'note', clientId: CLIENT, at: new Date(base + i * 1000).toISOString(), payload: { text: `n${i}` } });
  const first = history.page(CLIENT, { limit: 5 });
  await history.append({ kind: 'note', clientId: CLIENT, payload: { text: 'newest' } });
  const rest = readAll(history, CLIENT, 200);
  t.equal(rest.events.length, 21);
  const second = history.page(CLIENT, { limit: 5, cursor: first.nextCursor });
  t.same(second.items.map((e) => (e.kind === 'note' ? e.payload.text : '')), ['n14', 'n13', 'n12', 'n11', 'n10']);
});

t.test('page limits and cursors that are not ours are refused', async (t) => {
  const { history } = await setup(t);
  for (const limit of [0, 201, 1.5, Number.NaN]) t.throws(() => history.page(CLIENT, { limit }), { code: 'SWB_ERR_VALIDATION' }, String(limit));
  for (const cursor of ['garbage', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2,-3]').toString('base64url')]) {
    t.throws(() => history.page(CLIENT, { limit: 10, cursor }), { code: 'SWB_ERR_VALIDATION', message: /cursor/ }, cursor);
  }
  t.same(history.page(CLIENT, { limit: 10 }), { items: [], nextCursor: null }, 'an empty timeline is one empty page');
});

t.test('two writers appending in the same millisecond never overwrite each other', async (t) => {
  const { store } = await setup(t);
  const appliance = new HistoryService(store);
  const cli = new HistoryService(store);
  const at = new Date().toISOString();
  await store.write(() => {
    for (let i = 0; i < 50; i++) {
      appliance.appendInTxn({ kind: 'note', clientId: CLIENT, at, payload: { text: `a${i}` } });
      cli.appendInTxn({ kind: 'note', clientId: CLIENT, at, payload: { text: `c${i}` } });
    }
  });
  t.equal(appliance.count(CLIENT), 100);
});

t.test('events of every kind keep their envelope and payload exactly as written', async (t) => {
  const { history } = await setup(t);
  const nasty = ["'; DROP TABLE clients; --", '<script>alert(1)</script>', '{"$gt":""}'];
  const msg = await history.append({
    kind: 'message',
    clientId: CLIENT,
    conversationId: 'conv-1',
    channel: 'telegram:main',
    direction: 'in',
    actor: { type: 'client', id: CLIENT },
    payload: { text: nasty.join('\n'), attachments: [{ file: 'media/x.jpg', mime: 'image/jpeg', bytes: 10 }], externalId: nasty[2]!, status: 'received' },
  });
  const call = await history.append({
    kind: 'call',
    clientId: CLIENT,
    channel: 'sip',
    direction: 'out',
    actor: { type: 'user', id: 'anna' },
    payload: { from: '101', to: '+14155550100', extension: '101', start: '2024-05-01T10:00:00.000Z', answer: null, end: '2024-05-01T10:00:20.000Z', durationSec: 0, outcome: 'missed', sipCause: 487, callId: 'abc@pbx' },
  });
  const rec = await history.append({ kind: 'recording', clientId: CLIENT, payload: { callId: 'abc@pbx', file: 'rec/abc.opus', durationSec: 12, bytes: 4096, sha256: 'f'.repeat(64) } });
  t.match(msg, { conversationId: 'conv-1', channel: 'telegram:main', direction: 'in' });
  t.match(call, { conversationId: null, direction: 'out', actor: { type: 'user', id: 'anna' } });
  t.same(rec.actor, null);
  const stored = history.page(CLIENT, { limit: 10 }).items;
  t.same(new Map(stored.map((e) => [e.id, e])), new Map([msg, call, rec].map((e) => [e.id, e])), 'read back equals what append returned');
  const back = stored.find((e) => e.id === msg.id);
  t.equal(back?.kind === 'message' ? back.payload.text : '', nasty.join('\n'));
});

t.test('malformed events are refused before anything is written', async (t) => {
  const { history } = await setup(t);
  const bad: unknown[] = [
    { kind: 'fax', clientId: CLIENT, payload: {} },
    { kind: 'note', clientId: '', payload: { text: 'x' } },
    { kind: 'note', clientId: CLIENT, at: 'yesterday', payload: { text: 'x' } },
    { kind: 'note', clientId: CLIENT, direction: 'sideways', payload: { text: 'x' } },
    { kind: 'note', clientId: CLIENT, payload: null },
  ];
  for (const e of bad) await t.rejects(history.append(e as never), { code: 'SWB_ERR_VALIDATION' }, JSON.stringify(e));
  t.equal(history.count(CLIENT), 0);
});

t.test('moving a history re-keys every event under the new client and deleting one erases only it', async (t) => {
  const { store, history } = await setup(t);
  await store.write(() => {
    for (let i = 0; i < 2500; i++) history.appendInTxn({ kind: 'note', clientId: CLIENT, payload: { text: `n${i}` } });
    history.appendInTxn({ kind: 'note', clientId: OTHER, payload: { text: 'other' } });
  });
  const moved = await store.write(() => history.moveInTxn(CLIENT, OTHER));
  t.equal(moved, 2500, 'more than one slice is moved');
  t.equal(history.count(CLIENT), 0);
  t.equal(history.count(OTHER), 2501);
  const all = readAll(history, OTHER, 200).events;
  t.equal(all.filter((e) => e.mergedFrom === CLIENT && e.clientId === OTHER).length, 2500, 'each moved event says where it came from');
  t.equal(await store.write(() => history.deleteInTxn(OTHER)), 2501);
  t.equal(store.stats().entries.history, 0);
});
