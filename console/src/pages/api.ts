import type { Conversation, InboxOrder, InboxPage, InboxView, SeenResult } from '../../../http/api/conversations.js';
import type { ClientCard } from '../../../http/api/clients.js';
import type { DeskSummary, ReplyLimits } from '../../../http/api/desk.js';
import type { ActiveCalls, ExtensionStates, Registration, TrunkStates } from '../../../http/api/telephony.js';
import type { AuditPage, AuditQueryParams, ChannelState, CreatedToken, NewUserBody, PublicUser, ServiceToken, SessionView, VerifyResult } from '../../../http/api/admin.js';
import { call } from '../api.js';

const enc = encodeURIComponent;
const qs = (o: Record<string, string | number | undefined | null>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${enc(String(v))}`)
    .join('&');

type ClientPatch = { name?: string; tags?: string[]; fields?: Record<string, string> };

/** The requests of the desk's screens beyond the inbox and the open conversation. */
export const deskApi = {
  inbox: (view: InboxView, order: InboxOrder, cursor: string | null, limit = 200) => call<InboxPage>('GET', `/api/v1/inbox?${qs({ view, order, cursor, limit })}`),
  inboxRow: (view: InboxView, conversation: string) => call<InboxPage>('GET', `/api/v1/inbox?${qs({ view, conversation })}`),
  seen: (id: string, at?: string) => call<SeenResult>('PUT', `/api/v1/conversations/${enc(id)}/seen`, at ? { at } : {}),
  setConversationTags: (id: string, tags: string[]) => call<Conversation>('PUT', `/api/v1/conversations/${enc(id)}/tags`, { tags }),
  replyLimits: () => call<ReplyLimits>('GET', '/api/v1/replies/limits'),

  searchClients: (q: string, limit = 10) => call<{ items: ClientCard[] }>('GET', `/api/v1/clients?${qs({ q, limit })}`),
  clientConversations: (clientId: string) => call<{ items: Conversation[] }>('GET', `/api/v1/conversations?${qs({ clientId, limit: 50 })}`),
  patchClient: (id: string, patch: ClientPatch) => call<ClientCard>('PATCH', `/api/v1/clients/${enc(id)}`, patch),
  addIdentity: (id: string, kind: string, value: string) => call<ClientCard>('POST', `/api/v1/clients/${enc(id)}/identities`, { kind, value }),
  removeIdentity: (id: string, kind: string, value: string) => call<ClientCard>('DELETE', `/api/v1/clients/${enc(id)}/identities/${enc(kind)}/${enc(value)}`),
  merge: (id: string, sourceId: string) => call<ClientCard>('POST', `/api/v1/clients/${enc(id)}/merge`, { sourceId }),

  desk: () => call<DeskSummary>('GET', '/api/v1/desk'),
  presence: () => call<{ items: Array<{ username: string; online: boolean }> }>('GET', '/api/v1/presence'),
  activeCalls: () => call<ActiveCalls>('GET', '/api/v1/calls/active'),
  registrations: () => call<{ items: Registration[] }>('GET', '/api/v1/registrations'),

  users: () => call<{ items: PublicUser[] }>('GET', '/api/v1/users'),
  createUser: (body: NewUserBody) => call<PublicUser & { totpUri: string | null }>('POST', '/api/v1/users', body),
  patchUser: (username: string, patch: { role?: PublicUser['role']; department?: string | null; extension?: string | null; disabled?: boolean }) => call<PublicUser>('PATCH', `/api/v1/users/${enc(username)}`, patch),
  resetTotp: (username: string) => call<unknown>('POST', `/api/v1/users/${enc(username)}/totp/reset`),
  unlock: (username: string) => call<void>('POST', `/api/v1/users/${enc(username)}/unlock`),
  endSessions: (username: string) => call<{ ended: number }>('DELETE', `/api/v1/users/${enc(username)}/sessions`),
  sessions: () => call<{ items: SessionView[] }>('GET', '/api/v1/sessions'),
  tokens: () => call<{ items: ServiceToken[] }>('GET', '/api/v1/tokens'),
  createToken: (body: { role: ServiceToken['role']; name: string; ttlDays?: number }) => call<CreatedToken>('POST', '/api/v1/tokens', body),
  revokeToken: (id: string) => call<void>('DELETE', `/api/v1/tokens/${enc(id)}`),
  extensions: () => call<ExtensionStates>('GET', '/api/v1/extensions'),
  trunks: () => call<TrunkStates>('GET', '/api/v1/trunks'),
  channels: () => call<{ items: ChannelState[] }>('GET', '/api/v1/channels'),

  audit: (q: AuditQueryParams) => call<AuditPage>('GET', `/api/v1/audit?${qs({ order: 'desc', limit: q.limit ?? 100, before: q.before, actor: q.actor, action: q.action, from: q.from, to: q.to })}`),
  auditActions: () => call<{ items: string[] }>('GET', '/api/v1/audit/actions'),
  verifyAudit: () => call<VerifyResult>('GET', '/api/v1/audit/verify'),
};
