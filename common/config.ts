import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { SwitchboardError } from './errors.js';

/*
 * The pieces of configuration every module's section shares. Each module owns its own section's
 * schema; the composition root (appliance/config) assembles them into the whole.
 */

/** A port a peer listens on: 0 is not an address anyone can reach. */
export const Port = Type.Integer({ minimum: 1, maximum: 65535, description: 'a port 1..65535' });

/** A port this process binds: 0 lets the system pick a free one (tests, lab). */
export const BindPort = Type.Integer({ minimum: 0, maximum: 65535, description: 'a TCP port 0..65535' });

/** A secret in the file, or a reference to one: {file: PATH} or {env: NAME}. */
export const SecretValue = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    Type.Object({ env: Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' }) }, { additionalProperties: false }),
  ],
  { description: 'a secret: a string, {file: PATH} or {env: NAME}' },
);

/** How a secret is given in the configuration or a provisioning document: inline, {file: PATH} or {env: NAME}. */
export type SecretRef = string | { file: string } | { env: string };

/** A configured secret's value: inline, read from a file (one trailing newline is the editor's, not the secret's) or from the environment. */
export function resolveSecretValue(ref: SecretRef, key: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('file' in ref) {
    try {
      return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${key}: secret file ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { key });
    }
  }
  const value = env[ref.env];
  if (value === undefined || value === '') {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${key}: environment variable ${ref.env} is not set`, { key });
  }
  return value;
}

/** `host:port`, with IPv6 in brackets (`[::1]:8080`). */
export function splitHostPort(value: string, key: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `${key}: got ${JSON.stringify(value)}, expected host:port such as 127.0.0.1:8080`);
  }
  return { host: (m[1] ?? m[2]) as string, port };
}
