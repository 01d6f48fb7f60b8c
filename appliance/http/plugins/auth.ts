import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../../common/errors.js';
import type { Access } from '../../../domain/access/access.js';
import type { RouteEntry } from '../../../http/request.js';
import { makeAddressCheck } from '../../../common/address-allow.js';
import { browserCredential } from '../../../http/browser-cookie.js';

export interface AuthOptions {
  access: Access;
  allow: readonly string[];
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const allowed = makeAddressCheck(opts.allow);
  app.decorate('routeTable', [] as RouteEntry[]);
  app.decorateRequest('principal', null);

  // Refuse to build an app with a route that forgot to declare its roles.
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles;
    if (!roles) throw new SwitchboardError('SWB_ERR_INTERNAL', `route ${String(route.method)} ${route.url} declares no roles`);
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') app.routeTable.push({ method, url: route.url, roles });
    }
  });

  app.addHook('onRequest', async (request) => {
    // request.ip: the socket's address, or with trusted proxies the client they forwarded for.
    if (!allowed(request.ip)) throw new SwitchboardError('SWB_ERR_ADDRESS_NOT_ALLOWED');
    const roles = request.routeOptions.config?.roles;
    if (!roles || roles === 'public') return;
    // A machine's bearer token, else the console's cookie (whose writes must pass the CSRF check).
    const secret = bearer(request) ?? browserCredential(request);
    let principal = secret ? opts.access.authenticate(secret) : null;
    // A directory user's standing is asked again once `syncMinutes` old: gone there, gone at this request.
    if (principal?.kind === 'user' && opts.access.directory && (await opts.access.directory.recheck(principal.id)) !== 'fresh') principal = opts.access.authenticate(secret!);
    if (!principal) throw new SwitchboardError('SWB_ERR_UNAUTHENTICATED', secret ? 'the token is unknown, expired or revoked' : 'send Authorization: Bearer <token>, or sign in to the console');
    if (!roles.includes(principal.role)) throw new SwitchboardError('SWB_ERR_FORBIDDEN', `this needs one of: ${roles.join(', ')}`);
    request.principal = principal;
  });
}

export default fp(authPlugin, { name: 'swb-auth', fastify: '5.x', dependencies: ['swb-errors'] });


export { principalOf, contextOf, type RouteRoles, type RouteEntry } from '../../../http/request.js';
