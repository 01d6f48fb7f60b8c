import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { ClientService } from '../../domain/clients/clients.js';
import type { HistoryService } from '../../domain/history/history.js';
import type { CallSummary } from '../../domain/events/events.js';
import { canSeeCall } from '../../domain/events/call-visibility.js';
import { SwitchboardError } from '../../common/errors.js';
import { contextOf, principalOf } from '../../http/request.js';
import { ClickToCallBody, MyPhone, type CallerView } from '../../http/api/calls.js';
import { HistoryQuery } from '../../http/api/history.js';
import type { CallLog } from '../calls/call-log.js';
import { externalParty, summaryOf } from '../calls/call-summary.js';
import type { BindingStore } from '../registrar/bindings.js';

export interface PhoneRouteDeps {
  calls: CallLog;
  clients: ClientService;
  history: HistoryService;
  audit: AuditLog;
  bindings: BindingStore;
  users: { extensionOf(username: string): string | null };
  /** Plans a click-to-call from this extension (throws when it cannot be placed); start() rings the phone. */
  prepareClickToCall(extension: string, to: string): { call: CallSummary; start(): void };
}

const STAFF = ['admin', 'supervisor', 'operator'] as const;
const CallId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });

/**
 * The phone in the console: click-to-call from one's own extension, the
 * screen pop of a call (its caller's card and timeline), and one's own phone's
 * state. Who may see a call is the live stream's rule (canSeeCall).
 */
export function phoneRoutes(deps: PhoneRouteDeps): (app: FastifyInstance) => Promise<void> {
  async function routes(app: FastifyInstance): Promise<void> {
    app.post('/api/v1/calls', { config: { roles: STAFF }, schema: { body: ClickToCallBody } }, async (request, reply) => {
      const me = principalOf(request);
      const body = request.body as ClickToCallBody;
      const own = me.kind === 'user' ? deps.users.extensionOf(me.id) : null;
      if (body.extension !== undefined && body.extension !== own) {
        await deps.audit.record({ ...contextOf(request), action: 'call.originate.refused', target: `extension:${body.extension}`, details: { reason: 'not-own-extension', own } });
        throw new SwitchboardError('SWB_ERR_FORBIDDEN', `extension ${body.extension} is not yours: a click-to-call rings only your own phone`, { field: 'extension' });
      }
      if (!own) throw new SwitchboardError('SWB_ERR_NO_EXTENSION', 'ask an admin to give your user an extension', { field: 'extension' });
      const prepared = deps.prepareClickToCall(own, body.to);
      // Audited before the phone rings: a call placed is never missing from the log.
      await deps.audit.record({ ...contextOf(request), action: 'call.originate', target: `call:${prepared.call.id}`, details: { extension: own, to: prepared.call.to } });
      prepared.start();
      return reply.status(202).send(prepared.call);
    });

    app.get(
      '/api/v1/calls/:id/caller',
      { config: { roles: STAFF }, schema: { params: CallId, querystring: HistoryQuery } },
      async (request, reply): Promise<CallerView> => {
        const me = principalOf(request);
        const { id } = request.params as { id: string };
        const { limit, cursor } = request.query as { limit: number; cursor?: string };
        const record = deps.calls.get(id);
        const summary = record && summaryOf(record, record.clientId);
        // Someone else's call answers like one that does not exist.
        if (!record || !summary || !canSeeCall(me, summary, me.kind === 'user' ? deps.users.extensionOf(me.id) : null)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `call ${id}`);
        const number = externalParty(record);
        const client = (record.clientId ? deps.clients.get(record.clientId) : undefined) ?? (number ? deps.clients.findByIdentity('phone', number) : undefined);
        reply.header('cache-control', 'no-store');
        return {
          call: { ...summary, clientId: client?.id ?? null },
          number,
          client: client ?? null,
          history: client ? deps.history.page(client.id, { limit, cursor: cursor ?? null }) : null,
        };
      },
    );

    app.get('/api/v1/users/me/phone', { config: { roles: STAFF }, schema: { response: { 200: MyPhone } } }, async (request) => {
      const me = principalOf(request);
      const extension = me.kind === 'user' ? deps.users.extensionOf(me.id) : null;
      return { extension, registered: extension !== null && deps.bindings.contactsOf(extension).length > 0 };
    });
  }
  return fp(routes, { name: 'swb-routes-phone', dependencies: ['swb-auth'], encapsulate: true });
}
