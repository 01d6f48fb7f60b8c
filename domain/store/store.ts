import path from 'node:path';
import { mkdirSync, accessSync, constants, statfsSync } from 'node:fs';
import { open, type Database, type RootDatabase, type Key } from 'lmdb';
import { SwitchboardError } from '../../common/errors.js';
import { runMigrations, SCHEMA_VERSION } from './migrations.js';

/** Every named database in the one LMDB environment; each is owned by one domain module. */
export const DB_NAMES = [
  'meta',
  'clients',
  'identities',
  'clientNames',
  'conversations',
  'history',
  'users',
  'sessions',
  'loginGuard',
  'tokens',
  'audit',
  'registrations',
  'calls',
  'callIds',
  'sipBans',
  'sipExtensions',
  'outbox',
  'dedupe',
  'channels',
  'desk',
] as const;
export type DbName = (typeof DB_NAMES)[number];

export interface StoreOptions {
  dataDir: string;
  /** Read-only opens are for tools (audit verify, user list) beside a running appliance. */
  readOnly?: boolean;
  /** 'flat' opens dataDir itself as the environment: a backup directory holds data.mdb directly. */
  layout?: 'datadir' | 'flat';
}

export class Store {
  readonly dataDir: string;
  readonly path: string;
  private readonly root: RootDatabase;
  private writeFailed = false;
  private readonly dbs = new Map<DbName, Database<unknown, Key>>();
  /** Set by the metrics module; a no-op otherwise, so the store knows nothing of Prometheus. */
  onWrite: (seconds: number, ok: boolean) => void = () => {};
  /** Callbacks of the write() whose callback is running, to call once it is durable. */
  private committing: Array<() => void> | null = null;

  private constructor(dataDir: string, envPath: string, root: RootDatabase) {
    this.dataDir = dataDir;
    this.path = envPath;
    this.root = root;
    for (const name of DB_NAMES) this.dbs.set(name, root.openDB({ name }));
  }

  static async open(opts: StoreOptions): Promise<Store> {
    const dir = opts.layout === 'flat' ? opts.dataDir : `${opts.dataDir}/store`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      accessSync(dir, constants.W_OK | constants.R_OK);
    } catch (err) {
      throw storeError(explainUnwritable(opts.dataDir, err), `data directory ${opts.dataDir}`);
    }
    let root: RootDatabase;
    try {
      root = open({
        path: dir,
        maxDbs: 32,
        // Resolve a write only once it is on disk: an API 201 or a webhook 200 must
        // never acknowledge data a power cut can take back (lmdb-js overlappingSync
        // would resolve at commit, before the flush).
        overlappingSync: false,
        // Always a directory environment: lmdb-js would take a path with a dot in its
        // last part ("backup-0.1.0") for a file name.
        noSubdir: false,
        noSync: false,
        readOnly: opts.readOnly ?? false,
      });
    } catch (err) {
      throw storeError(err, `LMDB environment ${dir}`);
    }
    const store = new Store(opts.dataDir, dir, root);
    if (!opts.readOnly) await runMigrations(store);
    else store.checkSchemaReadable();
    return store;
  }

  db<V = unknown, K extends Key = Key>(name: DbName): Database<V, K> {
    return this.dbs.get(name) as unknown as Database<V, K>;
  }

  /**
   * One atomic, durable write transaction. The callback runs synchronously inside
   * the LMDB write transaction (reads in it see a consistent, locked view across
   * processes); the promise resolves once the commit is flushed.
   */
  async write<T>(fn: () => T): Promise<T> {
    const started = process.hrtime.bigint();
    let ok = false;
    try {
      // childTransaction, not transaction: only a child transaction is aborted when fn throws;
      // a plain batched transaction would keep the writes made before the throw.
      const hooks: Array<() => void> = [];
      const result = await this.root.childTransaction(() => {
        this.committing = hooks;
        try {
          return fn();
        } finally {
          this.committing = null;
        }
      });
      ok = true;
      this.writeFailed = false;
      for (const hook of hooks) hook();
      return result;
    } catch (err) {
      if (err instanceof SwitchboardError) throw err;
      this.writeFailed = true;
      throw storeError(await commitCause(err), 'write', this.path);
    } finally {
      this.onWrite(Number(process.hrtime.bigint() - started) / 1e9, ok);
    }
  }

  /**
   * Only inside write(): run fn once this transaction is committed and flushed,
   * never if it is rolled back (what is told outside the store must not run ahead of it).
   */
  afterCommit(fn: () => void): void {
    if (!this.committing) throw new SwitchboardError('SWB_ERR_INTERNAL', 'afterCommit outside store.write()');
    this.committing.push(fn);
  }

  /**
   * Reads after this see every commit made so far, by any process: outside a
   * transaction lmdb-js keeps reading one snapshot until its next macrotask.
   */
  refreshSnapshot(): void {
    this.root.resetReadTxn();
  }

  /** Next value of a named counter; only inside write(). */
  nextSeq(counter: string): number {
    const meta = this.db<number>('meta');
    const next = (meta.get(`seq:${counter}`) ?? 0) + 1;
    meta.putSync(`seq:${counter}`, next);
    return next;
  }

  schemaVersion(): number {
    return (this.db<number>('meta').get('schemaVersion') ?? 0) as number;
  }

  private checkSchemaReadable(): void {
    if (this.schemaVersion() > SCHEMA_VERSION) {
      throw new SwitchboardError('SWB_ERR_STORE_SCHEMA', `store schema ${this.schemaVersion()}, this version knows ${SCHEMA_VERSION}`);
    }
  }

  stats(): { pageSize: number; usedBytes: number; mapSize: number; entries: Record<string, number> } {
    const s = this.root.getStats() as { pageSize: number; treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; mapSize: number; lastPageNumber: number };
    const entries: Record<string, number> = {};
    for (const [name, db] of this.dbs) entries[name] = (db.getStats() as { entryCount: number }).entryCount;
    return { pageSize: s.pageSize, usedBytes: (s.lastPageNumber + 1) * s.pageSize, mapSize: s.mapSize, entries };
  }

  /**
   * Whether the store can take writes: its filesystem has room, and the last write did not fail.
   * After a failure one small probe write tells whether it has recovered, so a box whose disk was
   * freed becomes ready again without waiting for traffic that a not-ready box would not get.
   */
  async writable(): Promise<boolean> {
    const free = this.freeBytes();
    if (free !== null && free < LOW_SPACE_BYTES) return false;
    if (!this.writeFailed) return true;
    try {
      await this.write(() => this.db('meta').putSync('writeProbeAt', new Date().toISOString()));
      return true;
    } catch {
      return false;
    }
  }

  /** Bytes free to this process on the store's filesystem, or null when it cannot be read. */
  freeBytes(): number | null {
    return freeBytes(this.path);
  }

  /** True when a trivial read works: the store is open and its file readable. */
  healthy(): boolean {
    try {
      this.db('meta').get('schemaVersion');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A consistent, compacted copy of the live environment into dir/data.mdb
   * (mdb_env_copy2 with MDB_CP_COMPACT: a read transaction, so writers go on).
   */
  async copyTo(dir: string): Promise<void> {
    try {
      await this.root.backup(dir, true);
    } catch (err) {
      throw storeError(err, `backup to ${dir}`, dir);
    }
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}

/**
 * lmdb-js rejects a failed commit with a generic "Commit failed" whose real cause
 * (ENOSPC, EIO...) sits in a second, already-rejected promise. Awaiting it both
 * recovers the cause and keeps it from surfacing as an unhandled rejection, which
 * would kill the process.
 */
async function commitCause(err: unknown): Promise<unknown> {
  const pending = (err as { commitError?: Promise<unknown> })?.commitError;
  if (!pending || typeof pending.then !== 'function') return err;
  try {
    await pending;
    return err;
  } catch (cause) {
    return cause;
  }
}

/**
 * recursive mkdir on a read-only mount reports ENOENT, which sends an admin
 * looking for a missing path; ask the nearest existing ancestor for the real
 * reason (EROFS, EACCES) instead.
 */
function explainUnwritable(dataDir: string, err: unknown): unknown {
  for (let dir = path.resolve(dataDir); ; dir = path.dirname(dir)) {
    try {
      accessSync(dir, constants.F_OK);
    } catch {
      if (dir === path.dirname(dir)) return err;
      continue;
    }
    try {
      accessSync(dir, constants.W_OK);
      return err;
    } catch (direct) {
      return direct;
    }
  }
}

const LOW_SPACE_BYTES = 1024 * 1024;

function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** Turn an OS or LMDB failure into one clear catalogue error. */
export function storeError(err: unknown, what: string, storePath?: string): SwitchboardError {
  const e = err as { code?: string | number; message?: string };
  const text = `${e?.message ?? String(err)}`;
  // A full filesystem can surface as EIO from the flush rather than ENOSPC from the write: ask the filesystem.
  const free = storePath ? freeBytes(storePath) : null;
  if (free !== null && free < LOW_SPACE_BYTES) {
    return new SwitchboardError('SWB_ERR_STORE_FULL', `${what}: ${free} bytes free on the store's filesystem (${text})`, undefined, { cause: err });
  }
  // lmdb-js reports write failures with the errno as a number (28 = ENOSPC).
  if (e?.code === 'ENOSPC' || e?.code === 28 || /MDB_MAP_FULL|No space left|ENOSPC|-30792/i.test(text)) {
    return new SwitchboardError('SWB_ERR_STORE_FULL', `${what}: ${text}`, undefined, { cause: err });
  }
  const code = e?.code !== undefined && !text.includes(String(e.code)) ? `${e.code} ` : '';
  return new SwitchboardError('SWB_ERR_STORE_UNAVAILABLE', `${what}: ${code}${text}`, undefined, { cause: err });
}
