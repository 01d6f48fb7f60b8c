import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/metrics.js';
import { PROBE_LOG_LEVEL } from './health.js';

/**
 * Registered at the root (not encapsulated) so its onResponse hook sees every
 * request. The route label is fastify's template ('/api/v1/clients/:id'), or
 * 'unmatched' for 404s, so ids and numbers never become series.
 */
async function metricsPlugin(app: FastifyInstance, { metrics }: { metrics: Metrics }): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { route, method: request.method, status: `${Math.floor(reply.statusCode / 100)}xx` };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (route === '/metrics' && (reply.statusCode === 401 || reply.statusCode === 403)) metrics.scrapesRefused.inc({ status: String(reply.statusCode) });
  });

  app.get('/metrics', { logLevel: PROBE_LOG_LEVEL, config: { roles: ['metrics'] } }, async (_request, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

export default fp(metricsPlugin, { name: 'swb-metrics', dependencies: ['swb-auth'] });
