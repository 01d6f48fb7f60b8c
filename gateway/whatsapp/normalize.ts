import type { Inbound, InboundStatus, RemoteFile } from '../core/message.js';

/**
 * The WhatsApp Cloud API webhook payload (developers.facebook.com/docs/whatsapp/cloud-api/webhooks):
 * {object: 'whatsapp_business_account', entry: [{changes: [{field: 'messages', value: {...}}]}]}.
 */
interface WaMedia {
  id: string;
  mime_type?: string;
  caption?: string;
  filename?: string;
}
interface WaMessage {
  from: string;
  id: string;
  timestamp?: string;
  type: string;
  text?: { body: string };
  image?: WaMedia;
  document?: WaMedia;
  audio?: WaMedia;
  video?: WaMedia;
  sticker?: WaMedia;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: Array<{ name?: { formatted_name?: string }; phones?: Array<{ phone?: string; wa_id?: string }> }>;
  context?: { id?: string };
  button?: { text?: string };
  interactive?: { button_reply?: { title?: string }; list_reply?: { title?: string } };
}
interface WaStatus {
  id: string;
  status: string;
  recipient_id?: string;
  errors?: Array<{ code?: number; title?: string; message?: string }>;
}
interface WaValue {
  messaging_product?: string;
  metadata?: { phone_number_id?: string };
  contacts?: Array<{ wa_id?: string; profile?: { name?: string } }>;
  messages?: WaMessage[];
  statuses?: WaStatus[];
}

export function isPayload(body: unknown): body is { object: string; entry: Array<{ changes?: Array<{ field?: string; value?: WaValue }> }> } {
  return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'whatsapp_business_account' && Array.isArray((body as { entry?: unknown }).entry);
}

const STATUSES: Record<string, InboundStatus['status']> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

function media(m: WaMessage): RemoteFile[] {
  const out: RemoteFile[] = [];
  const kinds: Array<[WaMedia | undefined, string]> = [
    [m.image, 'image/jpeg'],
    [m.document, 'application/octet-stream'],
    [m.audio, 'audio/ogg'],
    [m.video, 'video/mp4'],
    [m.sticker, 'image/webp'],
  ];
  for (const [f, mime] of kinds) if (f && typeof f.id === 'string') out.push({ ref: f.id, mime: f.mime_type ?? mime, ...(f.filename ? { name: f.filename } : {}) });
  return out;
}

function textOf(m: WaMessage): string {
  return m.text?.body ?? m.image?.caption ?? m.document?.caption ?? m.video?.caption ?? m.button?.text ?? m.interactive?.button_reply?.title ?? m.interactive?.list_reply?.title ?? '';
}

/**
 * Messages and delivery statuses for one phone number. Changes for another
 * number of the same business account, other fields and message types without
 * content (reactions, system, unsupported) are acknowledged and ignored.
 */
export function normalizePayload(body: unknown, phoneNumberId: string): Inbound[] {
  if (!isPayload(body)) return [];
  const out: Inbound[] = [];
  for (const entry of body.entry) {
    for (const change of Array.isArray(entry?.changes) ? entry.changes : []) {
      const v = change?.value;
      if (change?.field !== 'messages' || !v || v.metadata?.phone_number_id !== phoneNumberId) continue;
      const names = new Map((v.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const m of Array.isArray(v.messages) ? v.messages : []) {
        if (typeof m?.id !== 'string' || typeof m.from !== 'string' || !/^\d{6,20}$/.test(m.from)) continue;
        if (['reaction', 'system', 'unsupported', 'unknown', 'ephemeral'].includes(m.type)) continue;
        const msg: Inbound = { type: 'message', dedupeKey: `m:${m.id}`, sender: { kind: 'whatsapp', value: m.from, name: names.get(m.from) ?? null }, text: textOf(m), files: media(m), externalId: m.id };
        if (m.location && typeof m.location.latitude === 'number') {
          msg.location = { latitude: m.location.latitude, longitude: m.location.longitude, ...(m.location.name ? { name: m.location.name } : {}), ...(m.location.address ? { address: m.location.address } : {}) };
        }
        const c = m.contacts?.[0];
        if (c) msg.contact = { name: c.name?.formatted_name ?? '', ...(c.phones?.[0]?.phone ? { phone: c.phones[0].phone } : {}) };
        if (m.context?.id) msg.replyTo = m.context.id;
        out.push(msg);
      }
      for (const s of Array.isArray(v.statuses) ? v.statuses : []) {
        const status = STATUSES[s?.status];
        if (typeof s?.id !== 'string' || !status) continue;
        const e = s.errors?.[0];
        out.push({ type: 'status', externalId: s.id, status, ...(e ? { error: `whatsapp ${e.code ?? '?'}: ${e.title ?? e.message ?? ''}` } : {}) });
      }
    }
  }
  return out;
}
