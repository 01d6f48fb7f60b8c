import { SwitchboardError, type ErrorCode } from '../../common/errors.js';
import type { IdentityKind } from '../../domain/clients/identity.js';
import type { Attachment } from '../../domain/history/events.js';
import type { SendOutcome } from './provider-http.js';

/** What the public listener hands a bridge: the bytes as received (signatures are over them), headers and query. */
export interface WebhookRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  raw: Buffer;
}

export interface WebhookReply {
  status: number;
  /** A string is sent as text/plain (WhatsApp's challenge, VK's "ok"); an object as JSON. */
  body: string | Record<string, unknown>;
}

/** A webhook refused with a catalogue code: the status comes from the catalogue, never written by hand. */
export function refusal(code: ErrorCode, detail?: string): WebhookReply {
  const err = new SwitchboardError(code, detail);
  return { status: err.status, body: err.toJSON() };
}

/** One reply as the outbox holds it until the provider has it. */
export interface OutboxItem {
  id: string;
  seq: number;
  channelId: string;
  conversationId: string;
  clientId: string;
  /** The recipient's handle on this channel: chat id, wa_id, peer id, visitor id. */
  to: string;
  text: string;
  attachments: Attachment[];
  eventId: string;
  position: [number, number, number];
  createdAt: string;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  /**
   * Provider ids of the parts of a several-part reply already accepted, in order
   * (a text, then one message per file where the provider takes one file a
   * message): a retry or a restart goes on from the next part.
   */
  sentParts?: string[];
}

/** A bridge records each accepted part but the last (whose id is its SendOutcome) here; it resolves once that is durable. */
export type PartSent = (externalId: string) => Promise<void>;

/**
 * One messenger bridge: verify and normalize what arrives, send what the
 * outbox hands it. Each bridge classifies its provider's answers into
 * SendOutcome, so the outbox's retry policy is written once.
 */
export interface Bridge {
  readonly id: string;
  readonly type: 'telegram' | 'whatsapp' | 'vk' | 'webchat';
  /** The identity kind senders of this channel are known by. */
  readonly identityKind: IdentityKind;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): 'ok' | 'down';
  webhook?(req: WebhookRequest): Promise<WebhookReply>;
  send(item: OutboxItem, signal: AbortSignal, partSent: PartSent): Promise<SendOutcome>;
  /**
   * Inside the outbox's `sent` commit, for each provider id of the reply: a bridge
   * that indexes its own replies (VK's read-up-to receipts) does it here, and
   * returns a later status it already knows (the receipt came before the commit).
   */
  sentInTxn?(item: OutboxItem, externalId: string): 'read' | null;
  /** Called once the outbox has committed `sent`: a bridge that pushes to a screen of ours does it here. */
  committed?(item: OutboxItem): void;
}

/** What every bridge is built with. */
export interface BridgeContext {
  ingest: import('./ingest.js').Ingest;
  attachments: import('./attachments.js').AttachmentStore;
  store: import('../../domain/store/store.js').Store;
  logger: import('pino').Logger;
  metrics: import('./metrics.js').GatewayMetrics;
  /** Deadline of one provider request. */
  timeoutMs: number;
}
