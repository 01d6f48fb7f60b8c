import pino, { type Logger, type DestinationStream } from 'pino';
import { loggedPath, type LoggableRequest } from './log-path.js';

/**
 * Paths whose values never reach a log line: credentials, second factors and
 * message content. pino's redaction is path-based, so the API also keeps secrets
 * out of the objects it logs in the first place (bodies are never logged).
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'totp',
  'secret',
  'text',
  'body',
  'authorization',
  '*.password',
  '*.token',
  '*.totp',
  '*.secret',
  '*.text',
  '*.body',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { svc: 'switchboard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // The route, never the URL: a query string or a path parameter can carry a phone number, an address or a name.
        req: (req: LoggableRequest & { method?: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
          method: req.method,
          path: loggedPath(req),
          remote: req.ip ?? req.socket?.remoteAddress,
        }),
        res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    opts.destination,
  );
}

export type { Logger };
