import { readFileSync } from 'node:fs';
import { SwitchboardError } from '../appliance/errors.js';
import type { SecretValueConfig } from './config.js';

/** A configured secret: written inline, or read from a file (one trailing newline dropped) or the environment. */
export function resolveSecretValue(ref: SecretValueConfig, key: string, env: NodeJS.ProcessEnv = process.env): string {
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
