import type { Test } from 'tap';
import { Store } from '../../domain/store/store.js';
import { AuditLog } from '../../domain/audit/audit-log.js';
import { AuditIntegrity } from '../../domain/audit/integrity.js';
import { HistoryService } from '../../domain/history/history.js';
import { ClientService } from '../../domain/clients/clients.js';
import { ConversationService } from '../../domain/conversations/conversations.js';
import { tempDir } from './appliance.js';

/** The client-history domain on a fresh store, without HTTP: what the domain tests drive. */
export async function domain(t: Test): Promise<{ store: Store; audit: AuditLog; history: HistoryService; clients: ClientService; conversations: ConversationService }> {
  const store = await Store.open({ dataDir: await tempDir(t, 'swb-domain-') });
  const audit = auditLogOf(store);
  t.teardown(async () => {
    await audit.flush();
    await store.close();
  });
  const history = new HistoryService(store);
  const clients = new ClientService(store, audit, history);
  return { store, audit, history, clients, conversations: new ConversationService(store, audit, history, clients) };
}

/** The audit log of a store opened by a test, with the key and checkpoint the appliance uses for that data directory. */
export function auditLogOf(store: Store): AuditLog {
  return new AuditLog(store, AuditIntegrity.open({ dataDir: store.dataDir, audit: { keyFile: null, checkpointFile: null } }, { create: true }));
}
