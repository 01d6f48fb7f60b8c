import type { BrowserSession, LoginBody, ApiError as ApiErrorBody } from '../../http/api/sessions.js';
import type { AssignBody, Conversation, InboxPage, InboxView, NoteBody, ReplyBody, ReplyResult } from '../../http/api/conversations.js';
import type { ClientCard } from '../../http/api/clients.js';
import type { HistoryEvent, HistoryPage } from '../../http/api/history.js';

/** A refusal from the API (its catalogue code), or `network` when no answer came at all. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
  get network(): boolean {
    return this.code === 'network';
  }
}

let csrf = '';
let onSessionLost: () => void = () => {};

/** The CSRF token lives in memory only; a reload asks GET /browser/session again. */
export function useSession(session: BrowserSession | null, lost: () => void): void {
  csrf = session?.csrf ?? '';
  onSessionLost = lost;
}

export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) h['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    throw new ApiError('network', err instanceof Error ? err.message : String(err), 0);
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = (data ?? {}) as Partial<ApiErrorBody>;
    const err = new ApiError(e.error ?? `http_${res.status}`, e.message ?? res.statusText, res.status, e.details ?? {});
    // A session that ended (expired, idle, revoked by an admin) sends the page back to sign-in.
    if (err.code === 'SWB_ERR_UNAUTHENTICATED') onSessionLost();
    throw err;
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  signIn: (body: LoginBody) => call<BrowserSession>('POST', '/api/v1/browser/session', body),
  session: () => call<BrowserSession>('GET', '/api/v1/browser/session'),
  signOut: () => call<void>('DELETE', '/api/v1/browser/session'),
  inbox: (view: InboxView) => call<InboxPage>('GET', `/api/v1/inbox?view=${view}&limit=200`),
  conversation: (id: string) => call<Conversation>('GET', `/api/v1/conversations/${enc(id)}`),
  client: (id: string) => call<ClientCard>('GET', `/api/v1/clients/${enc(id)}`),
  history: (clientId: string, cursor: string | null) => call<HistoryPage>('GET', `/api/v1/clients/${enc(clientId)}/history?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}`),
  /** The key makes a retry of the same reply (a dropped connection) return the first result instead of sending twice. */
  reply: (id: string, body: ReplyBody, idempotencyKey: string) => call<ReplyResult>('POST', `/api/v1/conversations/${enc(id)}/messages`, body, { 'idempotency-key': idempotencyKey }),
  note: (id: string, body: NoteBody) => call<HistoryEvent>('POST', `/api/v1/conversations/${enc(id)}/notes`, body),
  close: (id: string) => call<Conversation>('POST', `/api/v1/conversations/${enc(id)}/close`, {}),
  reopen: (id: string) => call<Conversation>('POST', `/api/v1/conversations/${enc(id)}/reopen`),
  assign: (id: string, body: AssignBody) => call<Conversation>('POST', `/api/v1/conversations/${enc(id)}/assign`, body),
};
