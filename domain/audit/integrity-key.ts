import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';
import { resolveSecretValue } from '../../common/config.js';

/** The `audit:` config keys this module reads (null: the default place). */
export interface AuditFilesConfig {
  dataDir: string;
  audit: { keyFile: string | null; checkpointFile: string | null };
}

/** The name of the key under systemd's LoadCredential= (`$CREDENTIALS_DIRECTORY/audit-key`). */
export const CREDENTIAL_NAME = 'audit-key';

export interface AuditFiles {
  keyFile: string;
  /** Where the key comes from: only the default file under DATADIR/keys is ever created. */
  keySource: 'config' | 'credential' | 'default';
  checkpointFile: string;
}

/**
 * Where the integrity key and the head checkpoint live: outside the LMDB environment
 * (DATADIR/store), so that whoever can rewrite the store files does not by that
 * alone hold the key, nor the record of where the chain ended.
 */
export function auditFiles(config: AuditFilesConfig, env: NodeJS.ProcessEnv = process.env): AuditFiles {
  const keys = path.join(config.dataDir, 'keys');
  const checkpointFile = config.audit.checkpointFile ?? path.join(keys, 'audit-checkpoint.json');
  if (config.audit.keyFile) return { keyFile: config.audit.keyFile, keySource: 'config', checkpointFile };
  const credential = env.CREDENTIALS_DIRECTORY ? path.join(env.CREDENTIALS_DIRECTORY, CREDENTIAL_NAME) : null;
  if (credential && existsSync(credential)) return { keyFile: credential, keySource: 'credential', checkpointFile };
  return { keyFile: path.join(keys, 'audit.key'), keySource: 'default', checkpointFile };
}

export type KeyPurpose = 'chain' | 'checkpoint' | 'backup';

/**
 * The one integrity key, held only as one derived key per purpose, so a MAC made
 * for one use (a backup manifest) can never pass as another (an audit record).
 * The key's id is public: it says which key made a record, never the key.
 */
export class IntegrityKey {
  readonly id: string;
  private readonly derived: Record<KeyPurpose, Buffer>;

  constructor(master: Buffer) {
    const derive = (label: string): Buffer => createHmac('sha256', master).update(`switchboard ${label}`).digest();
    this.id = derive('key id').toString('hex').slice(0, 16);
    this.derived = { chain: derive('audit chain'), checkpoint: derive('audit checkpoint'), backup: derive('backup manifest') };
  }

  mac(purpose: KeyPurpose, text: string): string {
    return createHmac('sha256', this.derived[purpose]).update(text).digest('hex');
  }

  /** Keep the key out of any log line or JSON that an object dump could reach. */
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

const KEY_TEXT = /^[0-9a-f]{64}$/;

/**
 * Why no key may be made here: a checkpoint means a key signed this chain, and a
 * fresh one would disown it (the CLI run outside systemd does not see the
 * service's credential, for one).
 */
export function refuseNewKey(files: AuditFiles): SwitchboardError | null {
  if (!existsSync(files.checkpointFile)) return null;
  return new SwitchboardError(
    'SWB_ERR_CONFIG_INVALID',
    `audit.keyFile: no integrity key at ${files.keyFile}, but the audit chain was keyed (${files.checkpointFile} exists): set audit.keyFile to the key the appliance uses, or put the key back; to start a new key (the break is then recorded in the chain), remove the checkpoint too`,
    { key: 'audit.keyFile', expected: 'the key that signed the chain' },
  );
}

/**
 * The key, or null when there is none and `create` is false (or refuseNewKey says no). Only the default file
 * is created (0600, its directory 0700, exclusively: two processes starting at once
 * end up with the same key); a configured or systemd-provided key must exist.
 */
export function loadIntegrityKey(files: AuditFiles, opts: { create: boolean }): IntegrityKey | null {
  if (files.keySource === 'default' && !existsSync(files.keyFile)) {
    if (!opts.create || refuseNewKey(files)) return null;
    mkdirSync(path.dirname(files.keyFile), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(files.keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new SwitchboardError('SWB_ERR_STORE_UNAVAILABLE', `cannot create the audit integrity key ${files.keyFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, undefined, { cause: err });
      }
    }
  }
  const text = resolveSecretValue({ file: files.keyFile }, 'audit.keyFile').trim();
  if (!KEY_TEXT.test(text)) {
    // Never the content: a wrong file may still hold someone's secret.
    throw new SwitchboardError('SWB_ERR_CONFIG_INVALID', `audit.keyFile: ${files.keyFile} does not hold a key, expected 64 hex digits (openssl rand -hex 32)`, { key: 'audit.keyFile', expected: '64 hex digits' });
  }
  return new IntegrityKey(Buffer.from(text, 'hex'));
}
