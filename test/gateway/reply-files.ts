import type { Appliance } from '../../appliance/app.js';
import { bearer } from '../helpers/appliance.js';

export interface ReplyFile {
  name: string;
  mime: string;
  data: string;
}

/** A file for a reply, named by its content so a test can tell which arrived. */
export function file(name: string, content = `content of ${name}`, mime = 'application/pdf'): ReplyFile {
  return { name, mime, data: Buffer.from(content).toString('base64') };
}

/** POST /conversations/:id/messages with files, as the operator's screen sends it. */
export async function replyWithFiles(app: Appliance, token: string, conversationId: string, text: string, files: ReplyFile[]) {
  const r = await app.http.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: bearer(token), payload: { text, attachments: files } });
  return { status: r.statusCode, body: r.json() as any };
}
