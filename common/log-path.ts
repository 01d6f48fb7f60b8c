/**
 * What a request log line says about the path: the route's template, with a
 * parameter's value written in only where the parameter is one of our opaque
 * ids AND the value looks like one. Anything else a path carries (an e-mail
 * address or phone number being unblocked or detached, a username, a banned
 * SIP address) stays `:name`. Unmatched paths are not logged at all: they are
 * whatever a caller typed.
 */
const OPAQUE = new Set(['id', 'channelId', 'kind', 'sha256']);
/** Our ids (UUIDs, hex hashes, channel slugs) always hold a letter; a phone number never does. */
const ID_SHAPE = /^(?=.*[a-z])[a-z0-9_-]{1,64}$/;

export interface LoggableRequest {
  routeOptions?: { url?: string | undefined };
  params?: unknown;
}

export const NO_ROUTE = '(no route)';

export function loggedPath(req: LoggableRequest): string {
  const template = req.routeOptions?.url;
  if (!template) return NO_ROUTE;
  const params = (req.params ?? {}) as Record<string, unknown>;
  return template.replace(/:([A-Za-z0-9_]+)/g, (whole, name: string) => {
    const value = params[name];
    return OPAQUE.has(name) && typeof value === 'string' && ID_SHAPE.test(value) ? value : whole;
  });
}
