import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { testAppliance } from '../../helpers/appliance.js';
import { ROOT } from '../../helpers/cli.js';

t.test('the API table in docs/api.md lists every route with exactly the roles the route declares', async (t) => {
  const { app } = await testAppliance(t);
  const readme = await readFile(path.join(ROOT, 'docs/api.md'), 'utf8');
  const documented = new Map<string, string>();
  for (const m of readme.matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \| ([^|]+) \|/gm)) documented.set(`${m[1]} ${m[2]}`, m[3]!.trim());
  const actual = new Map(app.http.routeTable.map((r) => [`${r.method} ${r.url}`, r.roles === 'public' ? 'public' : [...r.roles].sort().join(', ')]));
  for (const [route, roles] of actual) {
    const doc = documented.get(route);
    t.ok(doc, `${route} is documented`);
    if (doc) t.equal(doc === 'public' ? doc : doc.split(', ').sort().join(', '), roles, `${route} roles match`);
  }
  for (const route of documented.keys()) t.ok(actual.has(route), `${route} in docs/api.md exists`);
});
