import type { FastifyRequest } from 'fastify';
import { SwitchboardError } from '../common/errors.js';
import type { Principal, Role } from '../domain/access/roles.js';

/*
 * The HTTP edge's shared vocabulary: what a route declares and what a handler reads of the caller.
 * Every module's routes (the root's, telephony's, the gateway's) import it from here, so none of
 * them reaches up into the composition root that builds the server.
 */

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

/** For handlers behind a role check: the principal is always there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SwitchboardError('SWB_ERR_UNAUTHENTICATED');
  return request.principal;
}

export function contextOf(request: FastifyRequest): { actor: string; source: string } {
  const p = request.principal;
  return { actor: p ? `${p.kind}:${p.id}` : 'anonymous', source: request.ip };
}
