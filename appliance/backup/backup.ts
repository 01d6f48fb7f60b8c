import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SwitchboardError } from '../../common/errors.js';
import { Store } from '../../domain/store/store.js';
import { AuditLog } from '../../domain/audit/audit-log.js';
import type { ActionContext } from '../../domain/access/users.js';
import { AuditIntegrity } from '../../domain/audit/integrity.js';
import type { AuditFilesConfig } from '../../domain/audit/integrity-key.js';
import { assertStoreNotInUse } from './liveness.js';
import { FORMAT, refuseUnauthenticated, signManifest, unauthenticatedBecause, type BackupManifest } from './authenticity.js';

export type { BackupManifest } from './authenticity.js';

/** A verified backup: its manifest, and why it is not authentic when it was accepted anyway. */
export interface CheckedBackup {
  manifest: BackupManifest;
  unauthenticated: string | null;
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
  let v;
  try {
    v = new AuditLog(copy, audit.integrity).verify({ checkpoint: false });
    if (!v.ok) throw new SwitchboardError('SWB_ERR_AUDIT_BROKEN', `in the copy: ${v.reason}`);
  } finally {
    await copy.close();
  }
  const manifest = signManifest(
    {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      schemaVersion: store.schemaVersion(),
      file: 'data.mdb',
      bytes: (await stat(file)).size,
      sha256: await sha256(file),
      auditRecords: v.count,
      auditHead: v.count > 0 ? { seq: v.headSeq, hash: v.head } : null,
    },
    audit.integrity.requireKey(),
  );
  await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o640 });
  return manifest;
}

/**
 * Check a backup without touching any store: manifest present and signed with this
 * box's integrity key, size and checksum matching. An unauthenticated backup is
 * refused unless `forceUnauthenticated`, which the caller must audit.
 */
export async function verifyBackup(dir: string, integrity: AuditIntegrity, opts: { forceUnauthenticated?: boolean } = {}): Promise<CheckedBackup> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: no readable ${MANIFEST} (an interrupted backup?)`, undefined, { cause: err });
  }
  const format = manifest.format as string;
  if (format !== FORMAT && format !== 'switchboard-backup/1') throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: unknown format ${JSON.stringify(format)}`);
  const unauthenticated = unauthenticatedBecause(dir, manifest, integrity.key, integrity.files.keyFile);
  if (unauthenticated && !opts.forceUnauthenticated) refuseUnauthenticated(unauthenticated);
  const file = path.join(dir, 'data.mdb');
  const bytes = await stat(file).then((s) => s.size, () => -1);
  if (bytes !== manifest.bytes) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: data.mdb is ${bytes < 0 ? 'missing' : `${bytes} bytes`}, the manifest says ${manifest.bytes} (truncated?)`);
  if ((await sha256(file)) !== manifest.sha256) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', `${dir}: data.mdb does not match its SHA-256 (corrupted)`);
  return { manifest, unauthenticated };
}

/**
 * Restore into a stopped appliance's data directory. The store being replaced is
 * kept beside it (store.before-restore-TIME), never deleted: a wrong restore can
 * be undone by hand.
 */
export async function restoreBackup(
  config: AuditFilesConfig,
  dir: string,
  ctx: ActionContext,
  opts: { forceUnauthenticated?: boolean } = {},
): Promise<CheckedBackup & { previous: string | null }> {
  const { dataDir } = config;
  // No key is made before the check: a fresh key could only fail to authenticate.
  const checkedWith = AuditIntegrity.open(config, { create: false });
  const checked = await verifyBackup(dir, checkedWith, opts);
  const { manifest } = checked;
  await assertStoreNotInUse(dataDir);
  // A forced restore onto a box without a key makes one: the restored chain goes on under it.
  const integrity = checked.unauthenticated ? AuditIntegrity.open(config, { create: true }) : checkedWith;
  const target = path.join(dataDir, 'store');
  const staging = path.join(dataDir, `store.restoring-${process.pid}`);
  try {
    await mkdir(staging, { recursive: true, mode: 0o750 });
    await copyFile(path.join(dir, 'data.mdb'), path.join(staging, 'data.mdb'));
    if ((await sha256(path.join(staging, 'data.mdb'))) !== manifest.sha256) throw new SwitchboardError('SWB_ERR_BACKUP_INVALID', 'the copied file does not match the manifest');
    // Checked before the live store is moved aside: a chain that does not verify never replaces it.
    const staged = await Store.open({ dataDir: staging, layout: 'flat', readOnly: true });
    try {
      new AuditLog(staged, integrity).assertIntact({ checkpoint: false });
    } finally {
      await staged.close();
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  let previous: string | null = null;
  if (await stat(target).then(() => true, () => false)) {
    previous = path.join(dataDir, `store.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await rename(target, previous);
  }
  await rename(staging, target);
  const store = await Store.open({ dataDir });
  try {
    const audit = new AuditLog(store, integrity);
    // The checkpoint described the store just replaced: it starts again from the restored head.
    integrity.markChecked(store);
    const last = await store.write(() => {
      if (checked.unauthenticated) audit.append({ ...ctx, action: 'backup.unauthenticated', target: dir, details: { command: 'restore', why: checked.unauthenticated } });
      return audit.append({ ...ctx, action: 'store.restore', target: dir, details: { createdAt: manifest.createdAt, previous, authenticated: checked.unauthenticated === null } });
    });
    integrity.committed({ seq: last.seq, hash: last.hash }, true);
    await audit.flush();
  } finally {
    await store.close();
  }
  return { ...checked, previous };
}
