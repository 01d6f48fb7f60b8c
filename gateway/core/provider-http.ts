import { SwitchboardError } from '../../common/errors.js';
import { redactUrl } from './secrets.js';

export interface ProviderResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * The one way a bridge calls its provider: a deadline on every request (a
 * provider that hangs must not hold a reply forever), JSON decoded when it is
 * JSON, and failures reported with the URL redacted (a Telegram URL holds the
 * bot token; a VK one may hold access_token).
 */
export async function callProvider(url: string, init: RequestInit & { timeoutMs: number; signal?: AbortSignal }): Promise<ProviderResponse> {
  const signals = [AbortSignal.timeout(init.timeoutMs)];
  if (init.signal) signals.push(init.signal);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.any(signals) });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${init.timeoutMs} ms` : e.name === 'AbortError' ? 'aborted' : (e.cause?.code ?? 'network error');
    throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `${init.method ?? 'GET'} ${redactUrl(url)}: ${why}`);
  }
  const type = res.headers.get('content-type') ?? '';
  let body: unknown = null;
  try {
    body = type.includes('json') ? await res.json() : await res.text();
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body };
}

/** What a send came to, for the outbox to act on. */
export type SendOutcome =
  | { ok: true; externalId: string }
  | { ok: false; retry: true; reason: string; afterMs?: number; scope?: 'channel' | 'recipient' }
  | { ok: false; retry: false; reason: string };

/** A network failure or a provider 5xx: the same message may go through later. */
export function transient(err: unknown): SendOutcome {
  const reason = err instanceof SwitchboardError ? err.message : 'network error';
  return { ok: false, retry: true, reason };
}
