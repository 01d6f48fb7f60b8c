import type { Command } from 'commander';
import { SCHEMA_VERSION } from '../../../domain/store/migrations.js';
import { print, withStore } from '../io.js';
import { packageVersion } from '../../version.js';

export function versionCommands(program: Command): void {
  program
    .command('version')
    .description('this release, the store schema it writes, and (with --store) the schema of the store on this box')
    .option('--store', 'also open the store and report its schema version (runs pending migrations)')
    .option('--json', 'one JSON object')
    .action(async (opts: { store?: boolean; json?: boolean }) => {
      const info: Record<string, unknown> = { version: packageVersion(), schema: SCHEMA_VERSION, node: process.version };
      if (opts.store) await withStore(async ({ store }) => void (info.storeSchema = store.schemaVersion()));
      print(opts.json ? JSON.stringify(info) : `switchboard ${String(info.version)} (schema ${SCHEMA_VERSION}${opts.store ? `, store at schema ${String(info.storeSchema)}` : ''}, node ${process.version})`);
    });
}
