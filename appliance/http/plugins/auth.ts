import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwitchboardError } from '../../errors.js';
import type { Access } from '../../access/access.js';
import type { Principal, Role } from '../../access/roles.js';
import { makeAddressCheck } from '../address-allow.js';

/** Every route states who may call it; 'public' is an explicit choice, never a default. */
export type RouteRoles = readonly Role[] | 'public';

export interface RouteEntry {
  method: string;
  url: string;
  roles: RouteRoles;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: RouteRoles;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

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
    const secret = bearer(request);
    const principal = secret ? opts.access.authenticate(secret) : null;
    if (!principal) throw new SwitchboardError('SWB_ERR_UNAUTHENTICATED', secret ? 'the token is unknown, expired or revoked' : 'send Authorization: Bearer <token>');
    if (!roles.includes(principal.role)) throw new SwitchboardError('SWB_ERR_FORBIDDEN', `this needs one of: ${roles.join(', ')}`);
    request.principal = principal;
  });
}

export default fp(authPlugin, { name: 'swb-auth', fastify: '5.x', dependencies: ['swb-errors'] });

/** For handlers behind a role check: the principal is always there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SwitchboardError('SWB_ERR_UNAUTHENTICATED');
  return request.principal;
}

export function contextOf(request: FastifyRequest): { actor: string; source: string } {
  const p = request.principal;
  return { actor: p ? `${p.kind}:${p.id}` : 'anonymous', source: request.ip };
}
