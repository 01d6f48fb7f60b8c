import t from 'tap';
import { testAppliance, userWithToken, bearer } from '../../../helpers/appliance.js';
import { AUDIT_ACTIONS, type AuditRecord } from '../../../../domain/audit/audit-log.js';

t.test('the audit log filters by actor, action and time range, pages newest first, and lists its actions', async (t) => {
  const { app } = await testAppliance(t);
  const auditor = await userWithToken(app, 'aud', 'auditor');
  const written: AuditRecord[] = [];
  for (let i = 0; i < 6; i++) {
    written.push(await app.audit.record({ actor: i % 2 ? 'user:ann' : 'user:bob', action: i < 3 ? 'client.create' : 'client.update', target: `client:${i}`, source: 'test' }));
    await new Promise((r) => setTimeout(r, 3));
  }
  const get = async (q: string) => {
    const r = await app.http.inject({ url: `/api/v1/audit?${q}`, headers: bearer(auditor) });
    t.equal(r.statusCode, 200, r.body);
    return r.json() as { items: AuditRecord[]; next: number | null };
  };
  const targets = (p: { items: AuditRecord[] }) => p.items.map((r) => r.target);

  t.same(targets(await get(`from=${encodeURIComponent(written[2]!.at)}&to=${encodeURIComponent(written[4]!.at)}`)), ['client:2', 'client:3'], 'from inclusive, to exclusive');
  t.same(targets(await get(`actor=user:ann&action=client.update`)), ['client:3', 'client:5']);
  const newest = await get(`order=desc&limit=2`);
  t.same(targets(newest), ['client:5', 'client:4'], 'newest first');
  t.same(targets(await get(`order=desc&limit=2&before=${newest.next}`)), ['client:3', 'client:2'], 'and the next page below');
  t.same(targets(await get(`order=desc&actor=user:bob&from=${encodeURIComponent(written[1]!.at)}`)), ['client:4', 'client:2'], 'filters and order together');
  const bad = await app.http.inject({ url: '/api/v1/audit?from=last%20tuesday', headers: bearer(auditor) });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { error: 'SWB_ERR_VALIDATION', details: { field: 'from' } });

  t.same((await app.http.inject({ url: '/api/v1/audit/actions', headers: bearer(auditor) })).json().items, [...AUDIT_ACTIONS]);
  const op = await userWithToken(app, 'olga', 'operator');
  t.equal((await app.http.inject({ url: '/api/v1/audit?order=desc', headers: bearer(op) })).statusCode, 403);
});
