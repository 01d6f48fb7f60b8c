import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { isIP } from 'node:net';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import { SwitchboardError } from '../../common/errors.js';
import { contextOf, principalOf } from '../../http/request.js';
import type { Principal } from '../../domain/access/roles.js';
import type { BindingStore } from '../registrar/bindings.js';
import type { CallLog } from '../calls/call-log.js';
import type { CallRecord } from '../calls/call-record.js';
import type { BanList } from '../protection/bans.js';
import type { ExtensionDirectory } from '../registrar/directory.js';

export interface SipRouteDeps {
  bindings: BindingStore;
  calls: CallLog;
  bans: BanList;
  directory: ExtensionDirectory;
  audit: AuditLog;
  /** DATADIR/recordings: a recording is served only from under it. */
  recordingsDir: string;
  /** Whose extension a user is (domain/access/users.ts): an operator sees only their own calls. */
  users: { extensionOf(username: string): string | null };
}

/**
 * One `bytes=` range of a file of `size` bytes (RFC 9110 §14.1.2): [start, end]
 * inclusive, 'unsatisfiable', or null to send the whole file (no Range, a
 * malformed one, or several ranges, which a server may ignore).
 */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return null;
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return null;
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

const SUPERVISORS = ['admin', 'supervisor'] as const;
const CALL_READERS = ['admin', 'supervisor', 'operator'] as const;

/** A call is an operator's own when their extension took part: our side of it, or either end of an internal call. */
export function isOwnCall(call: CallRecord, extension: string): boolean {
  return call.extension === extension || (call.direction === 'internal' && (call.from === extension || call.to === extension));
}

/**
 * null: this principal sees every call; otherwise the calls it may see (an
 * operator: their own extension's; an operator without one: none).
 */
export function callScope(p: Principal, users: SipRouteDeps['users']): ((c: CallRecord) => boolean) | null {
  if (p.role !== 'operator') return null;
  const mine = p.kind === 'user' ? users.extensionOf(p.id) : null;
  return mine ? (c) => isOwnCall(c, mine) : () => false;
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return [v[0] as number, v[1] as string];
  } catch {
    /* below */
  }
  throw new SwitchboardError('SWB_ERR_VALIDATION', 'cursor is not one this server issued');
}

/** Registrations, calls and SIP bans on the local API. Paths and fields are a contract (issue 5). */
export function sipRoutes(deps: SipRouteDeps): (app: FastifyInstance) => Promise<void> {
  async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/v1/registrations', { config: { roles: SUPERVISORS } }, async () => {
      const now = Date.now();
      return {
        items: deps.bindings.all().map((b) => ({
          extension: b.extension,
          contact: b.contact,
          expires: new Date(b.expiresAt).toISOString(),
          expiresIn: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
          userAgent: b.userAgent,
          received: b.received,
          registeredAt: new Date(b.registeredAt).toISOString(),
        })),
      };
    });

    app.get(
      '/api/v1/calls',
      {
        config: { roles: CALL_READERS },
        schema: {
          querystring: Type.Object(
            {
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
              cursor: Type.Optional(Type.String({ maxLength: 512 })),
              direction: Type.Optional(Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('internal')])),
              extension: Type.Optional(Type.String({ pattern: '^[0-9]{2,8}$' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const q = request.query as { limit?: number; cursor?: string; direction?: string; extension?: string };
        const scope = callScope(principalOf(request), deps.users);
        const page = deps.calls.list({
          ...(scope ? { where: scope } : {}),
          limit: q.limit ?? 50,
          before: q.cursor ? decodeCursor(q.cursor) : null,
          ...(q.direction ? { direction: q.direction } : {}),
          ...(q.extension ? { extension: q.extension } : {}),
        });
        return {
          items: page.items.map((c) => ({
            id: c.id,
            direction: c.direction,
            from: c.from,
            to: c.to,
            extension: c.extension,
            trunk: c.trunk,
            clientId: c.clientId,
            state: c.state,
            start: c.start,
            answer: c.answer,
            end: c.end,
            durationSec: c.durationSec,
            outcome: c.outcome,
            sipCause: c.sipCause,
            endReason: c.endReason,
            media: c.media,
            recording: c.recording,
          })),
          next: page.next,
        };
      },
    );

    app.get(
      '/api/v1/calls/:id/recording',
      { config: { roles: CALL_READERS }, schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) }) } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const found = deps.calls.get(id);
        const scope = callScope(principalOf(request), deps.users);
        const call = found && (!scope || scope(found)) ? found : undefined;
        if (scope && !call) {
          // Refused like a call that does not exist (its existence is not the operator's to learn); the audit says which.
          await deps.audit.record({ ...contextOf(request), action: 'call.recording.refused', target: `call:${id}`, details: { reason: found ? 'not-own-call' : 'no-such-call' } });
        }
        const file = call?.recording?.file;
        if (!call || !file) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `call ${id} has no recording`);
        // Only files under DATADIR/recordings, whatever a record says.
        const root = await realpath(deps.recordingsDir).catch(() => null);
        const real = await realpath(file).catch(() => null);
        if (!root || !real || !real.startsWith(root + path.sep)) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `the recording of call ${id} is not on disk`);
        const handle = await open(real, 'r');
        let size: number;
        try {
          size = (await handle.stat()).size;
        } catch (err) {
          await handle.close();
          throw err;
        }
        const header = request.headers.range;
        const range = parseRange(header, size);
        await deps.audit.record({ ...contextOf(request), action: 'call.recording.fetch', target: `call:${id}`, details: { range: header ?? null } });
        reply.header('Accept-Ranges', 'bytes').header('Content-Type', 'audio/wav').header('Cache-Control', 'no-store');
        if (range === 'unsatisfiable') {
          await handle.close();
          return reply.status(416).header('Content-Range', `bytes */${size}`).send();
        }
        const [start, end] = range ?? [0, size - 1];
        reply.header('Content-Length', String(Math.max(0, end - start + 1)));
        if (range) reply.status(206).header('Content-Range', `bytes ${start}-${end}/${size}`);
        if (size === 0) {
          await handle.close();
          return reply.send('');
        }
        return reply.send(handle.createReadStream({ start, end, autoClose: true }));
      },
    );

    app.get('/api/v1/sip/bans', { config: { roles: ['admin'] } }, async () => ({ items: deps.bans.list() }));

    app.delete(
      '/api/v1/sip/bans/:address',
      { config: { roles: ['admin'] }, schema: { params: Type.Object({ address: Type.String({ minLength: 2, maxLength: 64 }) }) } },
      async (request, reply) => {
        const { address } = request.params as { address: string };
        if (!isIP(address)) throw new SwitchboardError('SWB_ERR_VALIDATION', `${address} is not an IP address`, { field: 'address' });
        await deps.bans.lift(address, contextOf(request));
        return reply.status(204).send();
      },
    );
  }
  return fp(routes, { name: 'swb-routes-sip', dependencies: ['swb-auth'], encapsulate: true });
}
