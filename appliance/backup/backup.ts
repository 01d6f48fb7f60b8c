import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';
import { Store } from '../../domain/store/store.js';
import { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';
import { assertStoreNotInUse } from './liveness.js';

export interface BackupManifest {
  format: 'switchboard-backup/1';
  createdAt: string;
  schemaVersion: number;
  file: 'data.mdb';
  bytes: number;
  sha256: string;
  /** The audit head at copy time: a restored store must verify up to here. */
  auditRecords: number;
}

const MANIFEST = 'manifest.json';

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * An online backup: the copy is one LMDB read transaction, so it holds exactly
 * what was committed when it began, while the appliance keeps writing. The
 * manifest is written last, so a backup without one is known to be incomplete.
 */
export async function createBackup(store: Store, audit: AuditLog, dir: string, ctx: ActionContext): Promise<BackupManifest> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if ((await readdir(dir)).length > 0) throw new SwitchboardError('SWB_ERR_CONFLICT', `${dir} is not empty; back up into a new directory`);
  // Audited first, so the backup itself carries the record of who took it.
  await audit.record({ ...ctx, action: 'store.backup', target: dir });
  await store.copyTo(dir);
  const file = path.join(dir, 'data.mdb');
  const copy = await Store.open({ dataDir: dir, layout: 'flat', readOnly: true });
  let auditRecords: number;
  try {
    const v = new AuditLog(copy).verify();
    if (!v.ok) throw new SwitchboardError('SWB_ERR_AUDIT_BROKEN', `in the copy: ${v.reason}`);
    auditRecords = v.count;
  } finally {
    await copy.close();
  }
  const manifest: BackupManifest = {
    format: 'switchboard-backup/1',
    createdAt: new Date().toISOString(),
    schemaVersion: store.schemaVersion(),
    file: 'data.mdb',
    bytes: (await stat(file)).size,
    sha256: await sha256(file),
    auditRecords,
  };
  await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o640 });
  return manifest;
}

/** Check a backup without touching any store: manifest present, size and checksum match. */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: no readable ${MANIFEST} (an interrupted backup?)`, undefined, { cause: err });
  }
  if (manifest.format !== 'switchboard-backup/1') throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: unknown format ${JSON.stringify(manifest.format)}`);
  const file = path.join(dir, 'data.mdb');
  const bytes = await stat(file).then((s) => s.size, () => -1);
  if (bytes !== manifest.bytes) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: data.mdb is ${bytes < 0 ? 'missing' : `${bytes} bytes`}, the manifest says ${manifest.bytes} (truncated?)`);
  if ((await sha256(file)) !== manifest.sha256) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: data.mdb does not match its SHA-256 (corrupted)`);
  return manifest;
}

/**
 * Restore into a stopped appliance's data directory. The store being replaced is
 * kept beside it (store.before-restore-TIME), never deleted: a wrong restore can
 * be undone by hand.
 */
export async function restoreBackup(dataDir: string, dir: string, ctx: ActionContext): Promise<{ manifest: BackupManifest; previous: string | null }> {
  const manifest = await verifyBackup(dir);
  await assertStoreNotInUse(dataDir);
  const target = path.join(dataDir, 'store');
  const staging = path.join(dataDir, `store.restoring-${process.pid}`);
  await mkdir(staging, { recursive: true, mode: 0o750 });
  await copyFile(path.join(dir, 'data.mdb'), path.join(staging, 'data.mdb'));
  if ((await sha256(path.join(staging, 'data.mdb'))) !== manifest.sha256) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', 'the copied file does not match the manifest');
  let previous: string | null = null;
  if (await stat(target).then(() => true, () => false)) {
    previous = path.join(dataDir, `store.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await rename(target, previous);
  }
  await rename(staging, target);
  const store = await Store.open({ dataDir });
  try {
    const audit = new AuditLog(store);
    audit.assertIntact();
    await audit.record({ ...ctx, action: 'store.restore', target: dir, details: { createdAt: manifest.createdAt, previous } });
  } finally {
    await store.close();
  }
  return { manifest, previous };
}
