import AjvModule from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const Ajv = AjvModule.default;

/*
 * Two validators. Bodies are checked as sent: no type coercion (a number where a
 * string belongs is an error, not "123") and unknown fields refused rather than
 * silently removed. Query strings and path parameters arrive as text, so they are
 * coerced.
 */
const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
const coercing = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false, strict: false });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strict : coercing;
  return ajv.compile(schema) as ReturnType<FastifySchemaCompiler<object>>;
};
