import type { Inbound, RemoteFile } from '../core/message.js';

/** The parts of the Bot API's Update and Message objects the gateway reads (core.telegram.org/bots/api#update). */
interface TgChat {
  id: number;
  type: string;
  first_name?: string;
  last_name?: string;
  username?: string;
}
interface TgFile {
  file_id: string;
  file_size?: number;
  mime_type?: string;
  file_name?: string;
}
export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  text?: string;
  caption?: string;
  photo?: TgFile[];
  document?: TgFile;
  voice?: TgFile;
  audio?: TgFile;
  video?: TgFile;
  video_note?: TgFile;
  animation?: TgFile;
  sticker?: TgFile;
  location?: { latitude: number; longitude: number };
  venue?: { location: { latitude: number; longitude: number }; title: string; address: string };
  contact?: { phone_number: string; first_name: string; last_name?: string };
  reply_to_message?: { message_id: number };
}
export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  [other: string]: unknown;
}

/** The update types the bot asks for (getUpdates / setWebhook allowed_updates). */
export const ALLOWED_UPDATES = ['message', 'edited_message'];

export function isUpdate(body: unknown): body is TgUpdate {
  return typeof body === 'object' && body !== null && Number.isSafeInteger((body as { update_id?: unknown }).update_id);
}

function files(m: TgMessage): RemoteFile[] {
  const out: RemoteFile[] = [];
  // Most messages are text: skip building the table below for them.
  if (!m.photo && !m.document && !m.voice && !m.audio && !m.video && !m.video_note && !m.animation && !m.sticker) return out;
  // Telegram sends every size of a photo; the last is the largest.
  const photo = m.photo?.[m.photo.length - 1];
  if (photo) out.push({ ref: photo.file_id, mime: 'image/jpeg', ...(photo.file_size ? { bytes: photo.file_size } : {}) });
  const kinds: Array<[TgFile | undefined, string]> = [
    [m.document, 'application/octet-stream'],
    [m.voice, 'audio/ogg'],
    [m.audio, 'audio/mpeg'],
    [m.video, 'video/mp4'],
    [m.video_note, 'video/mp4'],
    [m.animation, 'video/mp4'],
    [m.sticker, 'image/webp'],
  ];
  for (const [f, mime] of kinds) {
    if (f && typeof f.file_id === 'string') out.push({ ref: f.file_id, mime: f.mime_type ?? mime, ...(f.file_size ? { bytes: f.file_size } : {}), ...(f.file_name ? { name: f.file_name } : {}) });
  }
  return out;
}

/**
 * One update to zero or one inbound message. Only private chats are a client's
 * conversation; groups, channels, callback queries and the many other update
 * types are acknowledged and ignored (returned as []), never a crash.
 */
export function normalizeUpdate(u: TgUpdate): Inbound[] {
  const edited = u.edited_message !== undefined;
  const m = u.message ?? u.edited_message;
  if (!m || typeof m !== 'object' || !m.chat || typeof m.chat.id !== 'number' || m.chat.type !== 'private' || !Number.isSafeInteger(m.message_id)) return [];
  const name = [m.chat.first_name, m.chat.last_name].filter(Boolean).join(' ') || (m.chat.username ?? null);
  const externalId = `${m.chat.id}:${m.message_id}`;
  const loc = m.venue?.location ?? m.location;
  const msg: Inbound = {
    type: 'message',
    dedupeKey: `u:${u.update_id}`,
    sender: { kind: 'telegram', value: String(m.chat.id), name },
    text: typeof m.text === 'string' ? m.text : typeof m.caption === 'string' ? m.caption : '',
    files: files(m),
    externalId,
  };
  if (loc && typeof loc.latitude === 'number' && typeof loc.longitude === 'number') {
    msg.location = { latitude: loc.latitude, longitude: loc.longitude, ...(m.venue ? { name: m.venue.title, address: m.venue.address } : {}) };
  }
  if (m.contact && typeof m.contact.phone_number === 'string') {
    msg.contact = { name: [m.contact.first_name, m.contact.last_name].filter(Boolean).join(' '), phone: m.contact.phone_number };
  }
  if (m.reply_to_message && Number.isSafeInteger(m.reply_to_message.message_id)) msg.replyTo = `${m.chat.id}:${m.reply_to_message.message_id}`;
  if (edited) msg.editOf = externalId;
  return [msg];
}
