import t, { type Test } from 'tap';
import { domain } from '../../helpers/domain.js';

const ctx = { actor: 'user:anna', source: '127.0.0.1' };

const setup = domain;

t.test('a new client gets an id, canonical identities and an audit record', async (t) => {
  const { clients, audit } = await setup(t);
  const card = await clients.create({ name: ' Anna Smith ', identities: [{ kind: 'phone', value: '+1 (415) 555-0100' }, { kind: 'email', value: 'Anna@Example.com' }] }, ctx);
  t.match(card.id, /^[0-9a-f-]{36}$/);
  t.equal(card.name, 'Anna Smith');
  t.same(card.identities, [{ kind: 'phone', value: '+14155550100' }, { kind: 'email', value: 'anna@example.com' }]);
  t.same(clients.get(card.id), card);
  const records = [...audit.all()];
  t.equal(records.length, 1);
  t.match(records[0], { action: 'client.create', actor: 'user:anna', target: `client:${card.id}` });
  t.notMatch(JSON.stringify(records[0]!.details), /4155550100|anna@example/, 'the audit record carries no identity values');
  t.ok(audit.verify().ok);
});

t.test('a phone identity written with spaces and dashes is found by its E.164 form', async (t) => {
  const { clients } = await setup(t);
  const card = await clients.create({ name: 'Bob', identities: [{ kind: 'phone', value: '+44 20-7946-0958' }] }, ctx);
  t.equal(clients.findByIdentity('phone', '+442079460958')?.id, card.id);
  t.equal(clients.findByIdentity('phone', '0044 (20) 7946.0958')?.id, card.id);
  t.equal(clients.findByIdentity('phone', 'anonymous'), undefined, 'a caller ID that is no phone matches no one');
  t.throws(() => clients.findByIdentity('fax', '1'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('a phone that is not E.164 is refused when creating a client, and nothing is written', async (t) => {
  const { clients, audit, store } = await setup(t);
  await t.rejects(clients.create({ name: 'Carl', identities: [{ kind: 'phone', value: '555-0100' }] }, ctx), { code: 'SWB_ERR_VALIDATION', message: /international number/ });
  t.equal(store.stats().entries.clients, 0);
  t.equal([...audit.all()].length, 0);
});

t.test('an identity belongs to one client: adding a taken one is refused', async (t) => {
  const { clients, store } = await setup(t);
  const a = await clients.create({ name: 'A', identities: [{ kind: 'telegram', value: '1001' }] }, ctx);
  await t.rejects(clients.create({ name: 'B', identities: [{ kind: 'telegram', value: ' 1001 ' }] }, ctx), { code: 'SWB_ERR_IDENTITY_TAKEN', details: { clientId: a.id } });
  t.equal(store.stats().entries.clients, 1, 'the refused create left no card behind');
  const b = await clients.create({ name: 'B', identities: [] }, ctx);
  await t.rejects(clients.addIdentity(b.id, { kind: 'telegram', value: '1001' }, ctx), { code: 'SWB_ERR_IDENTITY_TAKEN' });
  t.same((await clients.addIdentity(a.id, { kind: 'telegram', value: '1001' }, ctx)).identities.length, 1, 'adding one it already has is a no-op');
});

t.test('a removed identity is free for another client to take', async (t) => {
  const { clients } = await setup(t);
  const a = await clients.create({ name: 'A', identities: [{ kind: 'email', value: 'x@example.com' }] }, ctx);
  const b = await clients.create({ name: 'B', identities: [] }, ctx);
  await t.rejects(clients.removeIdentity(b.id, { kind: 'email', value: 'x@example.com' }, ctx), { code: 'SWB_ERR_NOT_FOUND' });
  t.same((await clients.removeIdentity(a.id, { kind: 'email', value: 'X@example.com' }, ctx)).identities, []);
  t.equal(clients.findByIdentity('email', 'x@example.com'), undefined);
  const b2 = await clients.addIdentity(b.id, { kind: 'email', value: 'x@example.com' }, ctx);
  t.equal(clients.findByIdentity('email', 'x@example.com')?.id, b2.id);
});

t.test('search finds clients by a case-insensitive prefix of any word of the name', async (t) => {
  const { clients } = await setup(t);
  const anna = await clients.create({ name: 'Anna-Maria Petrova', identities: [] }, ctx);
  const ann = await clients.create({ name: 'Annabel Lee', identities: [] }, ctx);
  await clients.create({ name: 'Boris Ivanov', identities: [] }, ctx);
  t.same(new Set(clients.search('ANN').map((c) => c.id)), new Set([anna.id, ann.id]));
  t.same(clients.search('pet').map((c) => c.id), [anna.id]);
  t.same(clients.search('maria pet').map((c) => c.id), [anna.id], 'every word of the query must start a word of the name');
  t.same(clients.search('maria lee'), []);
  t.same(clients.search('ann', 1).length, 1, 'the limit is respected');
  t.same(clients.search('zzz'), []);
  t.throws(() => clients.search('  '), { code: 'SWB_ERR_VALIDATION' });
  t.throws(() => clients.search('a', 0), { code: 'SWB_ERR_VALIDATION' });
});

t.test('search finds a client by the phone number however it is written', async (t) => {
  const { clients } = await setup(t);
  const card = await clients.create({ name: 'Dora', identities: [{ kind: 'phone', value: '+14155550100' }] }, ctx);
  t.same(clients.search('+1 (415) 555-0100').map((c) => c.id), [card.id]);
  t.same(clients.search('0014155550100').map((c) => c.id), [card.id]);
});

t.test('a renamed client is found by the new name and no longer by the old one', async (t) => {
  const { clients } = await setup(t);
  const card = await clients.create({ name: 'Old Name', identities: [] }, ctx);
  await clients.update(card.id, { name: 'Fresh Title' }, ctx);
  t.same(clients.search('old'), []);
  t.same(clients.search('fresh').map((c) => c.id), [card.id]);
});

t.test('a tag change is written to the client history with what was added and removed', async (t) => {
  const { clients, history, audit } = await setup(t);
  const card = await clients.create({ name: 'Eve', identities: [], tags: ['vip', 'b2b'] }, ctx);
  const next = await clients.update(card.id, { tags: ['vip', 'debtor'], fields: { city: 'Berlin' } }, ctx);
  t.same(next.tags, ['vip', 'debtor']);
  t.same(next.fields, { city: 'Berlin' });
  const { items } = history.page(card.id, { limit: 10 });
  t.equal(items.length, 1);
  t.match(items[0], { kind: 'tag', clientId: card.id, direction: 'internal', actor: { type: 'user', id: 'anna' }, payload: { added: ['debtor'], removed: ['b2b'] } });
  const update = [...audit.all()].find((r) => r.action === 'client.update');
  t.same(update?.details, { changed: ['tags', 'fields'] });
  await clients.update(card.id, { name: 'Eve Two' }, ctx);
  t.equal(history.count(card.id), 1, 'an update that does not touch tags adds no tag event');
});

t.test('invalid card input is refused with a validation error', async (t) => {
  const { clients } = await setup(t);
  await t.rejects(clients.create({ name: '   ', identities: [] }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.create({ name: 'x'.repeat(201), identities: [] }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.create({ name: 'ok', tags: [''] }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.create({ name: 'ok', fields: { a: 1 as unknown as string } }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.create({ name: 'ok', fields: JSON.parse('{"__proto__": "x"}') }, ctx), { code: 'SWB_ERR_VALIDATION' });
  await t.rejects(clients.update('no-such-id', { name: 'x' }, ctx), { code: 'SWB_ERR_NOT_FOUND' });
});

t.test('injection-looking text is stored and returned verbatim', async (t) => {
  const { clients } = await setup(t);
  const nasty = ["'; DROP TABLE clients; --", '<script>alert(1)</script>', '{"$gt":""}'];
  const card = await clients.create(
    {
      name: nasty[0]!,
      identities: [{ kind: 'webchat', value: nasty[1]! }, { kind: 'telegram', value: nasty[2]! }],
      tags: nasty,
      fields: { [nasty[2]!]: nasty[1]!, note: nasty[0]! },
    },
    ctx,
  );
  const back = clients.get(card.id)!;
  t.equal(back.name, nasty[0]);
  t.same(back.tags, nasty);
  t.same(back.fields, { [nasty[2]!]: nasty[1], note: nasty[0] });
  t.same(back.identities.map((i) => i.value), [nasty[1], nasty[2]]);
  t.equal(clients.findByIdentity('webchat', nasty[1]!)?.id, card.id);
  t.equal(clients.findByIdentity('telegram', nasty[2]!)?.id, card.id);
  t.same(clients.search('drop').map((c) => c.id), [card.id]);
  t.same(clients.search(nasty[2]!).map((c) => c.id), [card.id]);
  const other = await clients.create({ name: 'Innocent', identities: [] }, ctx);
  t.same(clients.search(nasty[0]!).map((c) => c.id), [card.id], 'the query text matches nothing it does not literally contain');
  t.ok(clients.get(other.id), 'other cards are untouched');
});

t.test('resolveOrCreate gives a new sender one new client, even when two first messages race', async (t) => {
  const { clients, audit } = await setup(t);
  const sys = { actor: 'system', source: 'telegram:main' };
  const [a, b] = await Promise.all([clients.resolveOrCreate('telegram', '777', 'Ivan \u0007Petrov', sys), clients.resolveOrCreate('telegram', '777', 'Ivan', sys)]);
  t.equal(a.id, b.id);
  t.equal(a.name, 'Ivan  Petrov', 'control characters in a display name are blanked, not refused');
  const again = await clients.resolveOrCreate('telegram', ' 777 ', null, sys);
  t.equal(again.id, a.id);
  const nameless = await clients.resolveOrCreate('phone', '+49 30 1234567', '', sys);
  t.equal(nameless.name, '+49301234567', 'with no name hint the identity stands in as the name');
  t.equal([...audit.all()].filter((r) => r.action === 'client.create').length, 2);
  await t.rejects(clients.resolveOrCreate('phone', 'anonymous', null, sys), { code: 'SWB_ERR_VALIDATION' });
});
