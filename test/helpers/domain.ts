import type { Test } from 'tap';
import { Store } from '../../domain/store/store.js';
import { AuditLog } from '../../domain/audit/audit-log.js';
import { HistoryService } from '../../domain/history/history.js';
import { ClientService } from '../../domain/clients/clients.js';
import { ConversationService } from '../../domain/conversations/conversations.js';
import { tempDir } from './appliance.js';

/** The client-history domain on a fresh store, without HTTP: what the domain tests drive. */
export async function domain(t: Test): Promise<{ store: Store; audit: AuditLog; history: HistoryService; clients: ClientService; conversations: ConversationService }> {
  const store = await Store.open({ dataDir: await tempDir(t, 'swb-domain-') });
  t.teardown(() => store.close());
  const audit = new AuditLog(store);
  const history = new HistoryService(store);
  const clients = new ClientService(store, audit, history);
  return { store, audit, history, clients, conversations: new ConversationService(store, audit, history, clients) };
}
