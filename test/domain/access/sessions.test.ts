import t, { type Test } from 'tap';
import { Store } from '../../../domain/store/store.js';
import { SessionService } from '../../../domain/access/sessions.js';
import { tempDir } from '../../helpers/appliance.js';

async function sessions(t: Test): Promise<{ store: Store; svc: SessionService }> {
  const store = await Store.open({ dataDir: await tempDir(t) });
  t.teardown(() => store.close());
  return { store, svc: new SessionService(store, { sessionIdleSeconds: 1800, sessionLifetimeSeconds: 43200 }) };
}

t.test('a session token carries 256 random bits and only its hash is stored', async (t) => {
  const { store, svc } = await sessions(t);
  const { token, id } = await store.write(() => svc.createInTxn('ann', '127.0.0.1'));
  t.match(token, /^swbs_[A-Za-z0-9_-]{43}$/);
  t.equal(Buffer.from(token.slice(5), 'base64url').length, 32);
  const keys = [...store.db('sessions').getKeys({})];
  t.same(keys, [id]);
  t.notOk(keys.includes(token));
});

t.test('a session unused for the idle timeout ends, and a used one stays alive until its absolute lifetime', async (t) => {
  const { store, svc } = await sessions(t);
  const t0 = Date.now();
  const idle = await store.write(() => svc.createInTxn('ann', 'x', t0));
  t.ok(svc.resolve(idle.token, t0 + 1799_000), 'alive just before the idle timeout');
  t.equal(svc.resolve(idle.token, t0 + 1799_000 + 1801_000), null, 'ended after 30 idle minutes');

  const busy = await store.write(() => svc.createInTxn('bob', 'x', t0));
  // Used every 20 minutes: never idle, but the 12-hour lifetime still ends it.
  let now = t0;
  for (; now < t0 + 43200_000 - 1200_000; now += 1200_000) {
    t.ok(svc.resolve(busy.token, now), `alive at ${(now - t0) / 60000} min`);
    await store.db('sessions').flushed;
    await new Promise((r) => setTimeout(r, 5));
  }
  t.equal(svc.resolve(busy.token, t0 + 43200_000), null, 'ended at the absolute lifetime however busy');
});

t.test('sweep removes expired sessions and keeps live ones', async (t) => {
  const { store, svc } = await sessions(t);
  const t0 = Date.now();
  await store.write(() => svc.createInTxn('old', 'x', t0 - 50_000_000));
  const live = await store.write(() => svc.createInTxn('new', 'x', t0));
  t.equal(await svc.sweep(t0), 1);
  t.same(svc.list(t0).map((s) => s.username), ['new']);
  t.ok(svc.resolve(live.token, t0));
});
