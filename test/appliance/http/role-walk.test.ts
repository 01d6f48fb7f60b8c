import t from 'tap';
import { testAppliance, userWithToken, serviceToken, bearer } from '../../helpers/appliance.js';
import { ALL_ROLES, isHumanRole, type Role } from '../../../domain/access/roles.js';

/** A stand-in for each path parameter; handlers may answer 400/404 to it, but never 401/403 to an allowed role. */
const PARAM_VALUES: Record<string, string> = { id: '0'.repeat(64), username: 'someone' };

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) => PARAM_VALUES[name] ?? 'x');
}

t.test('every route answers 401 without a token, 403 to a role it does not allow, and lets its roles through', async (t) => {
  const { app } = await testAppliance(t);
  const tokens = new Map<Role, string>();
  for (const role of ALL_ROLES) tokens.set(role, isHumanRole(role) ? await userWithToken(app, `walk-${role}`, role) : await serviceToken(app, role));

  t.ok(app.http.routeTable.length >= 15, `the walk covers ${app.http.routeTable.length} routes`);
  for (const route of app.http.routeTable) {
    const url = concrete(route.url);
    const payload = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
    if (route.roles === 'public') {
      const r = await app.http.inject({ method: route.method as 'GET', url, payload });
      t.not(r.statusCode, 401, `${route.method} ${route.url} is public`);
      continue;
    }
    const anon = await app.http.inject({ method: route.method as 'GET', url, payload });
    t.equal(anon.statusCode, 401, `${route.method} ${route.url} without a token`);
    const forged = await app.http.inject({ method: route.method as 'GET', url, payload, headers: bearer('swbs_forged-token-that-was-never-issued-000000000') });
    t.equal(forged.statusCode, 401, `${route.method} ${route.url} with a forged token`);
    for (const role of ALL_ROLES) {
      // Each request gets a fresh token for roles whose previous call may have ended the session (logout).
      const token = ['/api/v1/sessions/current', '/api/v1/browser/session'].includes(route.url) && route.method === 'DELETE' && isHumanRole(role) ? await userWithToken(app, `walk-${role}`, role) : tokens.get(role)!;
      const r = await app.http.inject({ method: route.method as 'GET', url, payload, headers: bearer(token) });
      if (route.roles.includes(role)) t.notOk([401, 403].includes(r.statusCode), `${route.method} ${route.url} lets ${role} through (${r.statusCode})`);
      else t.equal(r.statusCode, 403, `${route.method} ${route.url} refuses ${role}`);
    }
  }
});

t.test('a route that declares no roles stops the build', async (t) => {
  const { app } = await testAppliance(t);
  await t.rejects(
    (async () => {
      app.http.get('/undeclared', async () => 'x');
      await app.http.ready();
    })(),
    { code: 'SWB_ERR_INTERNAL', message: /declares no roles/ },
  );
});
