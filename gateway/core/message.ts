import type { IdentityKind } from '../../domain/clients/identity.js';
import type { MessagePayload, MessageStatus } from '../../domain/history/events.js';

/** A file the provider holds, to be fetched through its API before the message commits. */
export interface RemoteFile {
  /** The provider's handle: a Telegram file_id, a WhatsApp media id, a VK URL. */
  ref: string;
  mime: string;
  name?: string;
  /** What the provider says the size is, when it says: a file over the limit is not even requested. */
  bytes?: number;
}

/**
 * Every bridge turns what its provider sends into these, so the rest of the
 * pipeline (dedupe, identity, history, conversations) is written once.
 */
export interface InboundMessage {
  type: 'message';
  /** Unique per channel and stable across redeliveries: update_id, wamid, event_id. */
  dedupeKey: string;
  sender: { kind: IdentityKind; value: string; name: string | null };
  text: string;
  files: RemoteFile[];
  externalId: string;
  location?: MessagePayload['location'];
  contact?: MessagePayload['contact'];
  replyTo?: string;
  editOf?: string;
}

/** A provider's delivery receipt for one of our replies. */
export interface InboundStatus {
  type: 'status';
  externalId: string;
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'read' | 'failed'>;
  error?: string;
}

export type Inbound = InboundMessage | InboundStatus;

/** Status only ever moves forward: a late 'delivered' after 'read' changes nothing. */
const RANK: Record<MessageStatus, number> = { received: 0, queued: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

export function advances(from: MessageStatus, to: MessageStatus): boolean {
  // 'failed' after 'delivered' or 'read' is a provider contradiction; what the client saw wins.
  if (to === 'failed') return from === 'queued' || from === 'sent';
  if (from === 'failed') return false;
  return RANK[to] > RANK[from];
}
