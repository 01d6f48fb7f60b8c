import { userInfo } from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Store } from '../../domain/store/store.js';
import { AuditLog } from '../../domain/audit/audit-log.js';
import { Access } from '../../domain/access/access.js';
import type { ActionContext } from '../../domain/access/users.js';
import { AuditIntegrity } from '../../domain/audit/integrity.js';

/** The CLI acts on the same LMDB store as a running appliance: LMDB is multi-process safe. */
export interface CliContext {
  config: Config;
  store: Store;
  audit: AuditLog;
  access: Access;
  ctx: ActionContext;
}

/**
 * `readOnlyAudit`: a command that only reads the audit log (verify) uses the key
 * if there is one and never creates it.
 */
export async function withStore<T>(fn: (c: CliContext) => Promise<T>, opts: { readOnlyAudit?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const store = await Store.open({ dataDir: config.dataDir });
  try {
    const audit = new AuditLog(store, AuditIntegrity.open(config, { create: !opts.readOnlyAudit }));
    try {
      return await fn({ config, store, audit, access: new Access(store, audit, config.access), ctx: cliActor() });
    } finally {
      await audit.flush();
    }
  } finally {
    await store.close();
  }
}

export function cliActor(): ActionContext {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return { actor: `cli:${who}`, source: 'cli' };
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's, not the password's.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
