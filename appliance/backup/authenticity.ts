import { SwitchboardError } from '../../common/errors.js';
import type { IntegrityKey } from '../../domain/audit/integrity-key.js';
import type { Head } from '../../domain/audit/checkpoint.js';

export const FORMAT = 'switchboard-backup/2';

export interface BackupManifest {
  format: typeof FORMAT;
  createdAt: string;
  schemaVersion: number;
  file: 'data.mdb';
  bytes: number;
  sha256: string;
  /** The audit head at copy time: a restored store must verify up to here. */
  auditRecords: number;
  auditHead: Head | null;
  /** The integrity key that signed the manifest (its public id) and the MAC itself. */
  keyId: string;
  mac: string;
}

export type UnsignedManifest = Omit<BackupManifest, 'keyId' | 'mac'>;

/** Field order is fixed: the MAC never depends on how the JSON was laid out. */
function canonical(m: UnsignedManifest, keyId: string): string {
  return JSON.stringify([m.format, m.createdAt, m.schemaVersion, m.file, m.bytes, m.sha256, m.auditRecords, m.auditHead?.seq ?? null, m.auditHead?.hash ?? null, keyId]);
}

/**
 * The manifest's SHA-256 only says the file is the one the manifest describes;
 * anyone who edits the file can rewrite it. The MAC, made with the integrity key
 * that never travels with the backup, says the manifest is the one this box wrote.
 */
export function signManifest(m: UnsignedManifest, key: IntegrityKey): BackupManifest {
  return { ...m, keyId: key.id, mac: key.mac('backup', canonical(m, key.id)) };
}

const HOW = 'copy the integrity key from the box that made the backup (docs/security.md, "Backup authenticity"), or pass --force-unauthenticated to accept it anyway (audited)';

/** Why this manifest cannot be authenticated here, or null when it can. */
export function unauthenticatedBecause(dir: string, m: Partial<BackupManifest>, key: IntegrityKey | null, keyFile: string): string | null {
  if (m.format !== FORMAT || typeof m.mac !== 'string' || typeof m.keyId !== 'string') return `${dir}: the manifest carries no MAC (a backup made before backups were signed, or one whose MAC was removed)`;
  if (!key) return `${dir}: there is no integrity key on this box (${keyFile}) to check the manifest's MAC with`;
  if (m.keyId !== key.id) return `${dir}: the manifest was signed with key ${m.keyId}, this box holds key ${key.id}`;
  if (key.mac('backup', canonical(m as BackupManifest, key.id)) !== m.mac) return `${dir}: the manifest's MAC does not verify: the manifest was changed after the backup was made`;
  return null;
}

export function refuseUnauthenticated(why: string): never {
  throw new SwitchboardError('SWB_ERR_BACKUP_UNAUTHENTICATED', `${why}; ${HOW}`);
}
