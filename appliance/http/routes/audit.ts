import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AUDIT_ACTIONS, type AuditLog } from '../../../domain/audit/audit-log.js';
import { SwitchboardError } from '../../../common/errors.js';
import { contextOf } from '../plugins/auth.js';

const Time = Type.String({ minLength: 4, maxLength: 40 });
const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    /** With order=desc: the seq the page starts below. */
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 128 })),
    /** Record time, inclusive, ISO 8601. */
    from: Type.Optional(Time),
    /** Record time, exclusive, ISO 8601. */
    to: Type.Optional(Time),
  },
  { additionalProperties: false },
);

function isoOf(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new SwitchboardError('SWB_ERR_VALIDATION', `${field} ${JSON.stringify(value)} is not a date and time (ISO 8601, e.g. 2026-05-01T09:00:00Z)`, { field });
  return new Date(ms).toISOString();
}

/** Read-only by construction: there is no route that changes or removes a record. */
async function auditRoutes(app: FastifyInstance, { audit }: { audit: AuditLog }): Promise<void> {
  app.get('/api/v1/audit', { config: { roles: ['auditor', 'admin'] }, schema: { querystring: PageQuery } }, async (request) => {
    const q = request.query as { limit: number; after?: number; before?: number; order: 'asc' | 'desc'; action?: string; actor?: string; from?: string; to?: string };
    const { order, from, to, ...rest } = q;
    return audit.page({ ...rest, newestFirst: order === 'desc', from: isoOf(from, 'from'), to: isoOf(to, 'to') });
  });

  // The filter's choices: the catalogue of actions, so a console never carries a copy that drifts.
  app.get('/api/v1/audit/actions', { config: { roles: ['auditor', 'admin'] } }, async () => ({ items: [...AUDIT_ACTIONS] }));

  app.get('/api/v1/audit/verify', { config: { roles: ['auditor', 'admin'] } }, async () => audit.verify());

  // The export is itself audited first: who took a copy of the log is part of the log.
  app.get('/api/v1/audit/export', { config: { roles: ['auditor', 'admin'] } }, async (request, reply) => {
    await audit.record({ ...contextOf(request), action: 'audit.export', target: 'audit' });
    const lines: string[] = [];
    for (const r of audit.all()) lines.push(JSON.stringify(r));
    return reply
      .header('content-type', 'application/x-ndjson')
      .header('content-disposition', `attachment; filename="switchboard-audit-${new Date().toISOString().slice(0, 10)}.ndjson"`)
      .send(lines.join('\n') + '\n');
  });
}

export default fp(auditRoutes, { name: 'swb-routes-audit', dependencies: ['swb-auth'], encapsulate: true });
