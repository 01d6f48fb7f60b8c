import type { Test } from 'tap';
import type { Appliance } from '../../appliance/app.js';
import type { HistoryEvent } from '../../domain/history/events.js';
import { bearer, testAppliance, userWithToken, type LogCapture } from './appliance.js';

/** Polls `fn` until it returns a truthy value; fails with `what` after `ms`. */
/** What `until` resolves with: the first truthy value (never false, 0, '' or nullish). */
type Truthy<T> = Exclude<NonNullable<T>, false | 0 | ''>;

export async function until<T>(fn: () => T | Promise<T>, what: string, ms = 10_000): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fast retries so a test of "the provider is down for a while" takes seconds, with the real backoff logic. */
export const FAST_OUTBOX = { baseDelayMs: 50, maxDelayMs: 400, requestTimeoutMs: 2000 };

/**
 * An appliance with channels configured and its gateway started (public
 * listener on an ephemeral loopback port when asked), plus a supervisor token.
 */
export async function gatewayAppliance(
  t: Test,
  channels: Array<Record<string, unknown>>,
  gateway: Record<string, unknown> = {},
  raw: Record<string, unknown> = {},
): Promise<{ app: Appliance; logs: LogCapture; dataDir: string; publicUrl: string | null; sup: string; reply: (conversationId: string, text: string, headers?: Record<string, string>) => Promise<{ status: number; body: Record<string, unknown> }> }> {
  const { app, logs, dataDir } = await testAppliance(t, { ...raw, channels, gateway: { outbox: FAST_OUTBOX, ...gateway } });
  const address = await app.gateway.start();
  const sup = await userWithToken(app, 'sup', 'supervisor');
  const reply = async (conversationId: string, text: string, headers: Record<string, string> = {}) => {
    const r = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: { ...bearer(sup), ...headers }, payload: { text } });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> };
  };
  return { app, logs, dataDir, publicUrl: address, sup, reply };
}

/** The message events of a client's timeline, oldest first. */
export function messages(app: Appliance, clientId: string): Array<Extract<HistoryEvent, { kind: 'message' }>> {
  return app.history
    .page(clientId, { limit: 200 })
    .items.filter((e): e is Extract<HistoryEvent, { kind: 'message' }> => e.kind === 'message')
    .reverse();
}

export function clientOf(app: Appliance, kind: string, value: string): string | undefined {
  return app.clients.findByIdentity(kind, value)?.id;
}
