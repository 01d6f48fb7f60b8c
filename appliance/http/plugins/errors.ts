import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { SwitchboardError } from '../../../common/errors.js';
import { toSwitchboardError } from '../../../http/errors.js';

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const swb = toSwitchboardError(err);
    if (swb.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: swb.code }, 'request refused');
    if (swb.status === 401) reply.header('www-authenticate', 'Bearer realm="switchboard"');
    return reply.status(swb.status).send(swb.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const swb = new SwitchboardError('SWB_ERR_NOT_FOUND', `${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(swb.toJSON());
  });
}

export default fp(errorsPlugin, { name: 'swb-errors', fastify: '5.x' });
