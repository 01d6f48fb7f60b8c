import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { SwitchboardError } from '../../../common/errors.js';

/**
 * The per-address limit both sign-in routes (the API's and the console's) opt into with
 * `config.rateLimit`; refusals speak the catalogue. Each registration keeps its own counters.
 */
export async function loginRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new SwitchboardError('SWB_ERR_RATE_LIMITED', `retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  });
}
