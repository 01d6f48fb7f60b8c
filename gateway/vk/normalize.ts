import type { Inbound, RemoteFile } from '../core/message.js';

/** The parts of a VK Callback / Bots Long Poll event the gateway reads (dev.vk.com/api/community-events/json-schema). */
export interface VkEvent {
  type: string;
  group_id?: number;
  event_id?: string;
  secret?: string;
  object?: { message?: VkMessage } & Partial<VkMessage> & Partial<VkRead>;
}
/** message_read: the user read every message of the dialog up to read_message_id. */
interface VkRead {
  from_id: number;
  peer_id: number;
  read_message_id: number;
  conversation_message_id?: number;
}

export interface ReadReceipt {
  peerId: number;
  upTo: number;
}
interface VkMessage {
  id: number;
  date?: number;
  peer_id: number;
  from_id: number;
  text?: string;
  attachments?: Array<{ type: string; photo?: { sizes?: Array<{ url: string; width?: number }> }; doc?: { url?: string; title?: string; size?: number; ext?: string } }>;
  geo?: { coordinates?: { latitude: number; longitude: number }; place?: { title?: string } };
  reply_message?: { id?: number; conversation_message_id?: number };
}

/** Peer ids from 2e9 up are group chats: only one-to-one dialogs are a client's conversation. */
const CHAT_PEER = 2_000_000_000;

function files(m: VkMessage): RemoteFile[] {
  const out: RemoteFile[] = [];
  for (const a of Array.isArray(m.attachments) ? m.attachments : []) {
    const biggest = a.photo?.sizes?.slice().sort((x, y) => (y.width ?? 0) - (x.width ?? 0))[0];
    if (a.type === 'photo' && biggest?.url) out.push({ ref: biggest.url, mime: 'image/jpeg' });
    if (a.type === 'doc' && a.doc?.url) out.push({ ref: a.doc.url, mime: 'application/octet-stream', ...(a.doc.title ? { name: a.doc.title } : {}), ...(a.doc.size ? { bytes: a.doc.size } : {}) });
  }
  return out;
}

/** message_new and message_edit to an inbound message; every other event type is acknowledged and ignored. */
export function normalizeEvent(e: VkEvent): Inbound[] {
  if (e.type !== 'message_new' && e.type !== 'message_edit') return [];
  // API 5.103+ wraps the message in object.message; message_edit sends the message itself.
  const m = (e.object?.message ?? e.object) as VkMessage | undefined;
  if (!m || !Number.isSafeInteger(m.from_id) || m.from_id <= 0 || !Number.isSafeInteger(m.peer_id) || m.peer_id >= CHAT_PEER || !Number.isSafeInteger(m.id)) return [];
  const externalId = `${m.peer_id}:${m.id}`;
  const msg: Inbound = {
    type: 'message',
    dedupeKey: e.event_id ? `e:${e.event_id}` : `${e.type}:${m.id}`,
    sender: { kind: 'vk', value: String(m.from_id), name: null },
    text: typeof m.text === 'string' ? m.text : '',
    files: files(m),
    externalId,
  };
  const c = m.geo?.coordinates;
  if (c && typeof c.latitude === 'number') msg.location = { latitude: c.latitude, longitude: c.longitude, ...(m.geo?.place?.title ? { name: m.geo.place.title } : {}) };
  if (m.reply_message?.id) msg.replyTo = `${m.peer_id}:${m.reply_message.id}`;
  if (e.type === 'message_edit') msg.editOf = externalId;
  return [msg];
}

/** message_read as "this peer read our messages up to upTo"; null for anything else, and for group chats and a community's own reads. */
export function readReceipt(e: VkEvent): ReadReceipt | null {
  if (e.type !== 'message_read' || typeof e.object !== 'object' || e.object === null) return null;
  const { from_id, peer_id, read_message_id } = e.object;
  if (!Number.isSafeInteger(from_id) || from_id! <= 0 || !Number.isSafeInteger(peer_id) || peer_id! <= 0 || peer_id! >= CHAT_PEER) return null;
  if (!Number.isSafeInteger(read_message_id) || read_message_id! <= 0) return null;
  return { peerId: peer_id!, upTo: read_message_id! };
}
