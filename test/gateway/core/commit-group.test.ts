import t from 'tap';
import { gatewayAppliance, clientOf, messages } from '../../helpers/gateway.js';
import type { InboundMessage } from '../../../gateway/core/message.js';

const SITE = { id: 'site', type: 'webchat', department: null };

function message(visitor: string, n: number): InboundMessage {
  return { type: 'message', dedupeKey: `${visitor}:${n}`, sender: { kind: 'webchat', value: visitor, name: null }, text: `hello ${n}`, files: [], externalId: `${visitor}:${n}` };
}

t.test('webhooks arriving together share commits, and one whose message the store refuses fails alone: the others are stored, it stores nothing', async (t) => {
  const { app } = await gatewayAppliance(t, [{ id: 'site', type: 'webchat' }]);
  let writes = 0;
  const counted = app.store.onWrite;
  app.store.onWrite = (seconds, ok) => {
    writes++;
    counted(seconds, ok);
  };
  // A handle with a control character is refused inside the transaction (client resolution), after the dedupe key is put.
  const bad = new Set([0, 17, 39]);
  const batch = Array.from({ length: 40 }, (_, i) => (bad.has(i) ? message(`bad\u0007${i}`, i) : message(`visitor-${i}`, i)));
  const results = await Promise.allSettled(batch.map((m) => app.gateway.ingest.accept(SITE, [m])));

  for (const [i, r] of results.entries()) {
    if (bad.has(i)) {
      t.equal(r.status, 'rejected', `message ${i} fails`);
      t.match((r as PromiseRejectedResult).reason, { code: 'SWB_ERR_VALIDATION' }, `message ${i} fails with its own error`);
      t.notOk(app.gateway.ingest.seen('site', `bad\u0007${i}:${i}`), `message ${i} left no dedupe key behind`);
    } else {
      t.equal(r.status, 'fulfilled', `message ${i} is stored`);
      t.same(messages(app, clientOf(app, 'webchat', `visitor-${i}`)!).map((e) => e.payload.text), [`hello ${i}`], `message ${i} is in history once`);
    }
  }
  // Each refused message costs its own write and the others one more group each; without grouping it would be 40.
  t.ok(writes < batch.length, `${writes} store writes for ${batch.length} webhooks`);

  // A redelivery of the stored ones stores nothing more; the refused ones are still refused.
  const again = await Promise.allSettled(batch.map((m) => app.gateway.ingest.accept(SITE, [m])));
  t.same(
    again.map((r) => (r.status === 'fulfilled' ? r.value.duplicates : 'refused')),
    batch.map((_, i) => (bad.has(i) ? 'refused' : 1)),
  );
});
