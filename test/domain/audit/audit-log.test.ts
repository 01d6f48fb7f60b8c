import t, { type Test } from 'tap';
import { Store } from '../../../domain/store/store.js';
import { AuditLog } from '../../../domain/audit/audit-log.js';
import { tempDir } from '../../helpers/appliance.js';
import { auditLogOf } from '../../helpers/domain.js';

async function logWith(t: Test, n: number): Promise<{ store: Store; audit: AuditLog }> {
  const store = await Store.open({ dataDir: await tempDir(t) });
  t.teardown(() => store.close());
  const audit = auditLogOf(store);
  for (let i = 0; i < n; i++) await audit.record({ actor: 'user:a', action: 'client.create', target: `client:${i}`, source: '127.0.0.1' });
  return { store, audit };
}

t.test('an untouched chain verifies and reports its head', async (t) => {
  const { audit } = await logWith(t, 5);
  const v = audit.verify();
  t.ok(v.ok);
  t.equal(v.count, 5);
});

t.test('an altered record is reported as the first bad one', async (t) => {
  const { store, audit } = await logWith(t, 5);
  const db = store.db<Record<string, unknown>, number>('audit');
  await db.put(3, { ...db.get(3)!, target: 'client:forged' });
  const v = audit.verify();
  t.notOk(v.ok);
  t.match(v, { firstBad: 3, reason: /altered/ });
});

t.test('a removed record is reported as missing', async (t) => {
  const { store, audit } = await logWith(t, 5);
  await store.db('audit').remove(2);
  t.match(audit.verify(), { ok: false, firstBad: 2, reason: /missing/ });
});

t.test('a record rewritten with a recomputed hash still breaks the link to its successor', async (t) => {
  const { store, audit } = await logWith(t, 5);
  const db = store.db<{ hash: string }, number>('audit');
  // A forger who recomputes record 2's own hash cannot also fix record 3's prevHash without redoing the whole tail.
  const r2 = db.get(2)!;
  await db.put(2, { ...r2, hash: 'f'.repeat(64) });
  t.match(audit.verify(), { ok: false, firstBad: 2 });
});

t.test('pages follow the sequence and filter by action', async (t) => {
  const { audit } = await logWith(t, 7);
  await audit.record({ actor: 'user:b', action: 'logout' });
  const p1 = audit.page({ limit: 3 });
  t.same(p1.items.map((r) => r.seq), [1, 2, 3]);
  const p2 = audit.page({ limit: 3, after: p1.next! });
  t.same(p2.items.map((r) => r.seq), [4, 5, 6]);
  t.same(audit.page({ limit: 10, action: 'logout' }).items.map((r) => r.actor), ['user:b']);
});
