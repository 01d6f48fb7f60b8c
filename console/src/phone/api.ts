import type { CallSummary, CallerView, MyPhone, Presence } from '../../../http/api/calls.js';
import type { ClientCard } from '../../../http/api/clients.js';
import { call } from '../api.js';

const enc = encodeURIComponent;

/** The phone's requests: click-to-call, the screen pop, my phone and my presence, and the client look-ups an unknown caller needs. */
export const phoneApi = {
  clickToCall: (to: string) => call<CallSummary>('POST', '/api/v1/calls', { to }),
  caller: (callId: string, cursor: string | null = null) => call<CallerView>('GET', `/api/v1/calls/${enc(callId)}/caller?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  myPhone: () => call<MyPhone>('GET', '/api/v1/users/me/phone'),
  presence: () => call<Presence>('GET', '/api/v1/users/me/presence'),
  setPresence: (online: boolean) => call<Presence>('PUT', '/api/v1/users/me/presence', { online }),
  searchClients: (q: string) => call<{ items: ClientCard[] }>('GET', `/api/v1/clients?q=${enc(q)}&limit=10`),
  createClient: (name: string, phone: string) => call<ClientCard>('POST', '/api/v1/clients', { name, identities: [{ kind: 'phone', value: phone }] }),
  linkPhone: (clientId: string, phone: string) => call<ClientCard>('POST', `/api/v1/clients/${enc(clientId)}/identities`, { kind: 'phone', value: phone }),
};
