import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { createBackup, restoreBackup, verifyBackup } from '../../backup/backup.js';
import { cliActor, print, withStore } from '../io.js';

export function backupCommands(program: Command): void {
  program
    .command('backup <dir>')
    .description('write a consistent, compacted copy of the store into a new directory, while the appliance runs')
    .action(async (dir: string) => {
      await withStore(async ({ store, audit, ctx }) => {
        const m = await createBackup(store, audit, path.resolve(dir), ctx);
        print(`backup written to ${path.resolve(dir)}: ${m.bytes} bytes, sha256 ${m.sha256}, ${m.auditRecords} audit records`);
      });
    });

  program
    .command('backup-verify <dir>')
    .description('check a backup\'s manifest, size and checksum without restoring it')
    .action(async (dir: string) => {
      const m = await verifyBackup(path.resolve(dir));
      print(`backup ${dir} is intact: made ${m.createdAt}, schema ${m.schemaVersion}, ${m.bytes} bytes`);
    });

  program
    .command('restore <dir>')
    .description('replace the store of a STOPPED appliance with a backup (the old store is kept beside it)')
    .action(async (dir: string) => {
      const { dataDir } = loadConfig();
      const { manifest, previous } = await restoreBackup(dataDir, path.resolve(dir), cliActor());
      print(`restored the backup made ${manifest.createdAt} into ${dataDir}`);
      if (previous) print(`the store it replaced is kept at ${previous}`);
    });
}
