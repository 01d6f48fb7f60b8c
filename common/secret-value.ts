import { readFileSync } from 'node:fs';
import { SwitchboardError } from './errors.js';

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
