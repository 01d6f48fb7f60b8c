import t from 'tap';
import { gatewayAppliance } from '../../helpers/gateway.js';

t.test('provider ids are forgotten after the redelivery window, and only those', async (t) => {
  const { app } = await gatewayAppliance(t, [{ id: 'site', type: 'webchat' }]);
  const db = app.store.db<number>('dedupe');
  const day = 86_400_000;
  await app.store.write(() => {
    for (let i = 0; i < 12; i++) db.putSync(['site', `old-${i}`], Date.now() - 9 * day);
    for (let i = 0; i < 7; i++) db.putSync(['site', `new-${i}`], Date.now() - day);
  });
  const removed = await app.gateway.ingest.sweep(8 * day, 5);
  t.equal(removed, 12);
  t.same([...db.getKeys({})].map((k) => (k as string[])[1]).sort(), Array.from({ length: 7 }, (_, i) => `new-${i}`));
});
