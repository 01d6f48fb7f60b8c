import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/request.js';
import { ActiveCalls, ExtensionStates, TrunkStates } from '../../http/api/telephony.js';
import type { CallLog } from '../calls/call-log.js';
import type { TrunkConfig } from '../config.js';
import type { BindingStore } from '../registrar/bindings.js';
import type { ExtensionDirectory } from '../registrar/directory.js';
import type { TrunkRegistrationState } from '../trunks/trunk-registration.js';
import { callScope, type SipRouteDeps } from './routes.js';

export interface SipStateDeps {
  calls: CallLog;
  bindings: BindingStore;
  directory: ExtensionDirectory;
  trunks: TrunkConfig[];
  trunkState(id: string): TrunkRegistrationState | undefined;
  signalling(): 'connected' | 'down' | 'disabled';
  users: SipRouteDeps['users'] & { list(): ReadonlyArray<{ username: string; extension: string | null }> };
}

const CALL_READERS = ['admin', 'supervisor', 'operator'] as const;

/**
 * What telephony looks like right now, for the supervisor's and the admin's
 * pages: calls in progress, each extension with its phones, each trunk with its
 * registration. Read-only: their configuration is the config file and
 * `provision apply`. Passwords never leave the directory.
 */
export function sipStateRoutes(deps: SipStateDeps): (app: FastifyInstance) => Promise<void> {
  async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/v1/calls/active', { config: { roles: CALL_READERS }, schema: { response: { 200: ActiveCalls } } }, async (request, reply) => {
      const scope = callScope(principalOf(request), deps.users);
      reply.header('cache-control', 'no-store');
      return {
        items: deps.calls
          .inProgress()
          .filter((c) => !scope || scope(c))
          .map((c) => ({ id: c.id, direction: c.direction, from: c.from, to: c.to, extension: c.extension, trunk: c.trunk, state: c.state as 'ringing' | 'answered', start: c.start, answer: c.answer, recording: c.media.recordRequested })),
      };
    });

    app.get('/api/v1/extensions', { config: { roles: ['admin'] }, schema: { response: { 200: ExtensionStates } } }, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const holders = new Map(deps.users.list().flatMap((u) => (u.extension ? [[u.extension, u.username] as const] : [])));
      return {
        signalling: deps.signalling(),
        items: deps.directory.all().map((e) => ({ number: e.number, name: e.name, department: e.department, source: e.source, record: e.record, user: holders.get(e.number) ?? null, contacts: deps.bindings.contactsOf(e.number).length })),
      };
    });

    app.get('/api/v1/trunks', { config: { roles: ['admin'] }, schema: { response: { 200: TrunkStates } } }, async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return {
        signalling: deps.signalling(),
        items: deps.trunks.map((t) => ({ id: t.id, host: t.host, port: t.port, transport: t.transport, prefix: t.prefix, inbound: t.inbound, registration: deps.trunkState(t.id) ?? null })),
      };
    });
  }
  return fp(routes, { name: 'swb-routes-sip-state', dependencies: ['swb-auth'], encapsulate: true });
}
