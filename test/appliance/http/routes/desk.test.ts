import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../../helpers/appliance.js';
import { seedDesk, weReply } from '../../../helpers/desk.js';
import type { DeskSummary } from '../../../../http/api/desk.js';

t.test('the desk summary counts open conversations per operator and unassigned, with the oldest wait, and only managers read it', async (t) => {
  const { app } = await testAppliance(t);
  const olga = await userWithToken(app, 'olga', 'operator', 'sales');
  await userWithToken(app, 'pete', 'operator', 'sales');
  const sup = await userWithToken(app, 'sup', 'supervisor');
  const hers = await seedDesk(app, 3, { prefix: 'Hers', assignee: 'olga' });
  await seedDesk(app, 2, { prefix: 'Queue', department: 'sales' });
  await seedDesk(app, 1, { prefix: 'Gone', assignee: 'former' });
  await weReply(app, hers[2]!, 'done', 'olga');
  await app.conversations.close(hers[1]!.id, { actor: 'test', source: 'test' });

  const r = await app.http.inject({ url: '/api/v1/desk', headers: bearer(sup) });
  t.equal(r.statusCode, 200, r.body);
  const desk = r.json() as DeskSummary;
  t.match(desk.operators.find((o) => o.username === 'olga'), { role: 'operator', department: 'sales', open: 2, waiting: 1, oldestWaiting: hers[0]!.lastInboundAt });
  t.match(desk.operators.find((o) => o.username === 'pete'), { open: 0, waiting: 0, oldestWaiting: null }, 'an operator with nothing is listed too');
  t.match(desk.operators.find((o) => o.username === 'former'), { role: null, open: 1 }, 'work held by someone no longer a user still shows');
  t.match(desk.unassigned, { open: 2, waiting: 2 });
  t.equal((await app.http.inject({ url: '/api/v1/desk', headers: bearer(olga) })).statusCode, 403, 'an operator is refused');
});

t.test("the reply limits are the gateway's attachment limit and the request body limit", async (t) => {
  const { app } = await testAppliance(t, { listen: { bodyLimitBytes: 200_000 }, gateway: { attachmentMaxBytes: 150_000 } });
  const olga = await userWithToken(app, 'olga', 'operator', 'sales');
  const r = await app.http.inject({ url: '/api/v1/replies/limits', headers: bearer(olga) });
  t.same(r.json(), { maxAttachments: 10, attachmentMaxBytes: 150_000, requestMaxBytes: 200_000 });
});
