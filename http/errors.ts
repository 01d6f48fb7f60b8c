import type { FastifyError } from 'fastify';
import { SwitchboardError, type ErrorCode } from '../common/errors.js';

/** fastify's own error codes, mapped onto the catalogue so clients see one vocabulary. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SWB_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SWB_ERR_BAD_REQUEST',
  FST_ERR_CTP_BODY_TOO_LARGE: 'SWB_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SWB_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SWB_ERR_BAD_REQUEST',
  FST_ERR_VALIDATION: 'SWB_ERR_VALIDATION',
};

export function toSwitchboardError(err: FastifyError | Error): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const fe = err as FastifyError;
  if (fe.validation) return new SwitchboardError('SWB_ERR_VALIDATION', `${fe.validationContext ?? 'request'}${fe.validation[0]?.instancePath ?? ''} ${fe.validation[0]?.message ?? ''}`.trim());
  const code = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (code) return new SwitchboardError(code, fe.message);
  if (err instanceof SyntaxError || fe.statusCode === 400) return new SwitchboardError('SWB_ERR_BAD_REQUEST', 'body is not valid JSON');
  if (fe.statusCode === 429) return new SwitchboardError('SWB_ERR_RATE_LIMITED', fe.message);
  return new SwitchboardError('SWB_ERR_INTERNAL');
}
