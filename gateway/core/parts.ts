import type { OutboxItem, PartSent } from './bridge.js';
import type { SendOutcome } from './provider-http.js';

/** One provider request of a reply: a text, or one file. */
export type Part = () => Promise<SendOutcome>;

/**
 * Sends a reply that the provider takes as several messages, from the first
 * part not yet recorded: each accepted part but the last is made durable
 * (partSent) before the next goes, so a retry or a restart never sends it
 * again. Only the part in flight at a crash can be sent twice. The last part's
 * outcome is the reply's; a failed part stops the rest.
 */
export async function sendParts(item: OutboxItem, parts: Part[], partSent: PartSent): Promise<SendOutcome> {
  if (parts.length === 0) return { ok: false, retry: false, reason: 'a reply with nothing to send' };
  const done = item.sentParts ?? [];
  // Every part is recorded but the last: nothing more to send, only the commit was missing.
  if (done.length >= parts.length) return { ok: true, externalId: done[done.length - 1]! };
  for (let i = done.length; i < parts.length; i++) {
    const outcome = await parts[i]!();
    if (!outcome.ok || i === parts.length - 1) return outcome;
    await partSent(outcome.externalId);
  }
  return { ok: false, retry: false, reason: 'unreachable: the last part returns' };
}

/** Captions are shorter than messages (Telegram and WhatsApp: 1024 characters): a longer text goes first, on its own. */
export const CAPTION_MAX = 1024;

/**
 * The parts of a reply for a provider that takes one file a message: the text
 * as the first file's caption, or (no files, or too long for a caption) as a
 * message of its own before them.
 */
export function partsOf(item: OutboxItem, text: (text: string) => Part, file: (index: number, caption: string | undefined) => Part): Part[] {
  const n = item.attachments.length;
  const separate = n === 0 || item.text.length > CAPTION_MAX;
  const parts: Part[] = separate && item.text ? [text(item.text)] : [];
  for (let i = 0; i < n; i++) parts.push(file(i, !separate && i === 0 && item.text ? item.text : undefined));
  return parts;
}
