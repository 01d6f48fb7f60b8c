import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { createBackup, restoreBackup, verifyBackup, type CheckedBackup } from '../../backup/backup.js';
import { AuditIntegrity } from '../../../domain/audit/integrity.js';
import { cliActor, print, withStore } from '../io.js';

const FORCE = '--force-unauthenticated';
const FORCE_HELP = "accept a backup whose manifest cannot be authenticated with this box's integrity key (audited)";

function authenticity(c: CheckedBackup): string {
  return c.unauthenticated ? `NOT authenticated (${c.unauthenticated}); accepted because of ${FORCE}, and audited` : `authenticated with key ${c.manifest.keyId}`;
}

export function backupCommands(program: Command): void {
  program
    .command('backup <dir>')
    .description('write a consistent, compacted copy of the store into a new directory, while the appliance runs')
    .action(async (dir: string) => {
      await withStore(async ({ store, audit, ctx }) => {
        const m = await createBackup(store, audit, path.resolve(dir), ctx);
        print(`backup written to ${path.resolve(dir)}: ${m.bytes} bytes, sha256 ${m.sha256}, ${m.auditRecords} audit records, signed with key ${m.keyId}`);
      });
    });

  program
    .command('backup-verify <dir>')
    .description("check a backup's signed manifest, size and checksum without restoring it")
    .option(FORCE, FORCE_HELP)
    .action(async (dir: string, opts: { forceUnauthenticated?: boolean }) => {
      const config = loadConfig();
      const checked = await verifyBackup(path.resolve(dir), AuditIntegrity.open(config, { create: false }), opts);
      if (checked.unauthenticated) {
        await withStore(async ({ audit, ctx }) => {
          await audit.record({ ...ctx, action: 'backup.unauthenticated', target: path.resolve(dir), details: { command: 'backup-verify', why: checked.unauthenticated } });
        });
      }
      const m = checked.manifest;
      print(`backup ${dir} is intact: made ${m.createdAt}, schema ${m.schemaVersion}, ${m.bytes} bytes; ${authenticity(checked)}`);
    });

  program
    .command('restore <dir>')
    .description('replace the store of a STOPPED appliance with a backup (the old store is kept beside it)')
    .option(FORCE, FORCE_HELP)
    .action(async (dir: string, opts: { forceUnauthenticated?: boolean }) => {
      const config = loadConfig();
      const restored = await restoreBackup(config, path.resolve(dir), cliActor(), opts);
      print(`restored the backup made ${restored.manifest.createdAt} into ${config.dataDir}; ${authenticity(restored)}`);
      if (restored.previous) print(`the store it replaced is kept at ${restored.previous}`);
    });
}
