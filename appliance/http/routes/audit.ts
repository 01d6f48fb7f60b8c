import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuditLog } from '../../../domain/audit/audit-log.js';
import { contextOf } from '../plugins/auth.js';

const PageQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    actor: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** Read-only by construction: there is no route that changes or removes a record. */
async function auditRoutes(app: FastifyInstance, { audit }: { audit: AuditLog }): Promise<void> {
  app.get('/api/v1/audit', { config: { roles: ['auditor', 'admin'] }, schema: { querystring: PageQuery } }, async (request) => {
    const q = request.query as { limit: number; after?: number; action?: string; actor?: string };
    return audit.page(q);
  });

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
