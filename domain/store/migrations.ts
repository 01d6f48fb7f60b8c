import { SwitchboardError } from '../../common/errors.js';
/** What a migration needs of the store (the store runs migrations as it opens, so it is not imported here). */
export interface MigratingStore {
  schemaVersion(): number;
  db(name: 'meta'): { putSync(key: string, value: unknown): unknown };
  write<T>(fn: () => T): Promise<T>;
}

/**
 * Ordered migrations; each runs once, in its own transaction, and records the
 * version it reaches. Version 1 is the initial layout (named dbs need no creation).
 */
interface Migration {
  version: number;
  description: string;
  up(store: MigratingStore): void;
}

const migrations: Migration[] = [
  {
    version: 1,
    description: 'initial layout',
    up(store) {
      store.db('meta').putSync('createdAt', new Date().toISOString());
    },
  },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export async function runMigrations(store: MigratingStore): Promise<number[]> {
  const current = store.schemaVersion();
  if (current > SCHEMA_VERSION) {
    throw new SwitchboardError('SWB_ERR_STORE_SCHEMA', `store schema ${current}, this version knows ${SCHEMA_VERSION}; restore a backup or upgrade`);
  }
  const ran: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    await store.write(() => {
      // Re-check inside the write lock: the CLI may be migrating the same store.
      if (store.schemaVersion() >= m.version) return;
      m.up(store);
      store.db('meta').putSync('schemaVersion', m.version);
    });
    ran.push(m.version);
  }
  return ran;
}
