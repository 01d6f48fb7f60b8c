import t, { type Test } from 'tap';
import { domain } from '../../helpers/domain.js';

const ctx = { actor: 'user:sam', source: '127.0.0.1' };

const setup = domain;

/** Alternating minutes, so after a merge the two timelines must interleave. */
function at(minute: number): string {
  return new Date(Date.UTC(2024, 0, 1, 12, minute)).toISOString();
}

t.test('a merge keeps both histories as one time-ordered range and moves the identities', async (t) => {
  const { clients, history, audit } = await setup(t);
  const target = await clients.create({ name: 'Anna Phone', identities: [{ kind: 'phone', value: '+14155550100' }], tags: ['vip'], fields: { city: 'Berlin', plan: 'gold' } }, ctx);
  const source = await clients.create({ name: 'Anna Telegram', identities: [{ kind: 'telegram', value: '555' }], tags: ['telegram', 'vip'], fields: { city: 'Paris', lang: 'de' } }, ctx);
  for (let m = 0; m < 10; m++) {
    const owner = m % 2 === 0 ? target.id : source.id;
    await history.append({ kind: 'note', clientId: owner, at: at(m), payload: { text: `note ${m}` } });
  }

  const merged = await clients.merge(target.id, source.id, ctx);

  t.same(merged.identities, [{ kind: 'phone', value: '+14155550100' }, { kind: 'telegram', value: '555' }]);
  t.same(merged.tags, ['vip', 'telegram']);
  t.same(merged.fields, { city: 'Berlin', plan: 'gold', lang: 'de' }, 'the surviving card wins a field both have');
  t.equal(clients.findByIdentity('telegram', '555')?.id, target.id);
  t.equal(history.count(source.id), 0, 'nothing is left under the source');

  const { items } = history.page(target.id, { limit: 50 });
  const notes = items.filter((e) => e.kind === 'note');
  t.same(notes.map((e) => (e.kind === 'note' ? e.payload.text : '')), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((m) => `note ${m}`), 'newest first, interleaved by time');
  t.same(notes.map((e) => e.at), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map(at), 'timestamps are kept');
  for (const e of notes) {
    t.equal(e.clientId, target.id);
    const m = Number(e.kind === 'note' ? e.payload.text.split(' ')[1] : NaN);
    t.equal(e.mergedFrom, m % 2 === 1 ? source.id : undefined, `note ${m} mergedFrom`);
  }
  t.match(items.find((e) => e.kind === 'tag'), { payload: { added: ['telegram'], removed: [] } }, 'tags the survivor gained are in its history');

  const record = [...audit.all()].find((r) => r.action === 'client.merge');
  t.match(record, { target: `client:${target.id}`, details: { source: source.id, historyMoved: 5, identitiesMoved: 1, fieldConflicts: ['city'] } });
  t.ok(audit.verify().ok, 'the audit chain verifies');
});

t.test('a merged-away id leads to the survivor, and cannot itself be changed', async (t) => {
  const { clients } = await setup(t);
  const a = await clients.create({ name: 'Survivor', identities: [] }, ctx);
  const b = await clients.create({ name: 'Absorbed', identities: [] }, ctx);
  await clients.merge(a.id, b.id, ctx);
  t.equal(clients.get(b.id)?.id, a.id);
  t.match(clients.getRecord(b.id), { id: b.id, mergedInto: a.id, identities: [], fields: {} });
  t.same(clients.search('absorbed'), [], 'the left-behind card is not in search');
  await t.rejects(clients.update(b.id, { name: 'x' }, ctx), { code: 'SWB_ERR_CONFLICT', details: { mergedInto: a.id } });
  await t.rejects(clients.merge(a.id, b.id, ctx), { code: 'SWB_ERR_CONFLICT' });
  await t.rejects(clients.merge(a.id, a.id, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.delete(b.id, ctx), { code: 'SWB_ERR_CONFLICT' });
});

t.test('merging a survivor again points every earlier absorbed id straight at the new survivor', async (t) => {
  const { clients } = await setup(t);
  const a = await clients.create({ name: 'A', identities: [] }, ctx);
  const b = await clients.create({ name: 'B', identities: [] }, ctx);
  const c = await clients.create({ name: 'C', identities: [] }, ctx);
  await clients.merge(b.id, a.id, ctx);
  await clients.merge(c.id, b.id, ctx);
  t.equal(clients.getRecord(a.id)?.mergedInto, c.id);
  t.equal(clients.get(a.id)?.id, c.id);
  t.same(clients.get(c.id)?.mergedFrom, [b.id, a.id]);
});

t.test('a failed merge changes nothing', async (t) => {
  const { clients, history, audit } = await setup(t);
  const a = await clients.create({ name: 'A', identities: [{ kind: 'vk', value: 'id1' }] }, ctx);
  await history.append({ kind: 'note', clientId: a.id, payload: { text: 'x' } });
  await t.rejects(clients.merge('missing', a.id, ctx), { code: 'SWB_ERR_NOT_FOUND' });
  t.equal(history.count(a.id), 1);
  t.equal(clients.findByIdentity('vk', 'id1')?.id, a.id);
  t.equal([...audit.all()].filter((r) => r.action === 'client.merge').length, 0);
});

t.test('deleting a client removes its card, identities, name index and history', async (t) => {
  const { clients, history, audit, store } = await setup(t);
  const keep = await clients.create({ name: 'Keep Me', identities: [{ kind: 'phone', value: '+14155550111' }] }, ctx);
  const gone = await clients.create({ name: 'Gone Soon', identities: [{ kind: 'phone', value: '+14155550100' }] }, ctx);
  const absorbed = await clients.create({ name: 'Gone Twin', identities: [{ kind: 'email', value: 'twin@example.com' }] }, ctx);
  await clients.merge(gone.id, absorbed.id, ctx);
  for (let i = 0; i < 30; i++) await history.append({ kind: 'note', clientId: gone.id, payload: { text: `n${i}` } });
  await history.append({ kind: 'note', clientId: keep.id, payload: { text: 'stays' } });

  await clients.delete(gone.id, ctx);

  t.equal(clients.get(gone.id), undefined);
  t.equal(clients.getRecord(absorbed.id), undefined, 'the card merged into it is erased too');
  t.equal(clients.findByIdentity('phone', '+14155550100'), undefined);
  t.equal(clients.findByIdentity('email', 'twin@example.com'), undefined);
  t.same(clients.search('gone'), []);
  t.equal(history.count(gone.id), 0);
  t.equal(history.count(keep.id), 1, "another client's history is untouched");
  t.same(store.stats().entries, { ...store.stats().entries, clients: 1, identities: 1, clientNames: 2, history: 1 });
  t.match([...audit.all()].at(-1), { action: 'client.delete', target: `client:${gone.id}`, details: { historyEvents: 30, mergedCards: 1 } });
  t.ok(audit.verify().ok);
  const again = await clients.create({ name: 'New Owner', identities: [{ kind: 'phone', value: '+14155550100' }] }, ctx);
  t.equal(clients.findByIdentity('phone', '+14155550100')?.id, again.id, 'the freed number can belong to someone new');
});
