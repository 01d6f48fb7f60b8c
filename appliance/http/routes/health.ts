import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../domain/store/store.js';
import type { UserService } from '../../../domain/access/users.js';

export interface HealthOptions {
  store: Store;
  users: UserService;
  /** Later adapters (SIP, ESL, bridges) add a named check; any 'down' makes /readyz 503. */
  readiness: Map<string, () => 'ok' | 'down'>;
}

/** The password is typed into `read -s`, never written on a command line (where ps and the shell history see it). */
export const FIRST_ADMIN_COMMAND = `read -rs PW && printf '%s' "$PW" | switchboard user add NAME --role admin --password-stdin`;
export const FIRST_ADMIN_HINT = `No admin exists yet. Create one on the box: ${FIRST_ADMIN_COMMAND}`;

/** Probes arrive every few seconds for ever: their request lines would bury the log, so only warnings and errors are written. */
export const PROBE_LOG_LEVEL = 'warn';

async function healthRoutes(app: FastifyInstance, opts: HealthOptions): Promise<void> {
  app.get('/healthz', { logLevel: PROBE_LOG_LEVEL, config: { roles: 'public' } }, async () => {
    const hasAdmin = opts.users.countAdmins() > 0;
    return hasAdmin ? { status: 'ok', admin: true } : { status: 'ok', admin: false, setup: FIRST_ADMIN_HINT };
  });

  app.get('/readyz', { logLevel: PROBE_LOG_LEVEL, config: { roles: 'public' } }, async (_request, reply) => {
    const checks: Record<string, 'ok' | 'down'> = { store: opts.store.healthy() && (await opts.store.writable()) ? 'ok' : 'down' };
    for (const [name, check] of opts.readiness) checks[name] = check();
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}

export default fp(healthRoutes, { name: 'swb-routes-health', dependencies: ['swb-auth'], encapsulate: true });
