import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Attachment } from '../../domain/history/events.js';
import { SwitchboardError } from '../../common/errors.js';
import { redactUrl } from './secrets.js';
import type { RemoteFile } from './message.js';

const SAFE_NAME = /[^\p{L}\p{N}._ -]/gu;

/**
 * Media beside the store, content-addressed: DATADIR/attachments/ab/<sha256>.
 * A file is on disk and fsynced before the event that links it commits, and the
 * same file sent twice is stored once.
 */
export class AttachmentStore {
  readonly root: string;

  constructor(
    readonly dataDir: string,
    readonly maxBytes: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.root = path.join(dataDir, 'attachments');
  }

  refused(file: RemoteFile, why: 'too_large' | 'unavailable'): Attachment {
    return { file: '', mime: file.mime, bytes: file.bytes ?? 0, ...(file.name ? { name: clean(file.name) } : {}), refused: why };
  }

  /** Streams a provider's file to disk, stopping at the size limit (the declared size is not trusted). */
  async download(url: string, headers: Record<string, string>, file: RemoteFile): Promise<Attachment> {
    if (file.bytes !== undefined && file.bytes > this.maxBytes) return this.refused(file, 'too_large');
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `download ${redactUrl(url)}: ${(err as { cause?: { code?: string } }).cause?.code ?? 'network error'}`);
    }
    if (res.status >= 500 || res.status === 429) throw new SwitchboardError('SWB_ERR_PROVIDER_UNAVAILABLE', `download ${redactUrl(url)}: ${res.status}`);
    if (!res.ok || !res.body) return this.refused(file, 'unavailable');
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      await res.body.cancel();
      return this.refused({ ...file, bytes: declared }, 'too_large');
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > this.maxBytes) return this.refused({ ...file, bytes: total }, 'too_large');
      chunks.push(Buffer.from(chunk));
    }
    // The message's own mime type is more specific than a download server's generic octet-stream.
    const served = res.headers.get('content-type')?.split(';')[0];
    const mime = file.mime && file.mime !== 'application/octet-stream' ? file.mime : served || file.mime;
    return this.save(Buffer.concat(chunks), mime, file.name);
  }

  async save(data: Buffer, mime: string, name?: string): Promise<Attachment> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const rel = path.join('attachments', sha256.slice(0, 2), sha256);
    const dest = path.join(this.dataDir, rel);
    await mkdir(path.dirname(dest), { recursive: true, mode: 0o750 });
    const tmp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o640);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, dest).catch(async (err: unknown) => {
      await rm(tmp, { force: true });
      throw err;
    });
    return { file: rel, mime: mime || 'application/octet-stream', bytes: data.length, sha256, ...(name ? { name: clean(name) } : {}) };
  }

  pathOf(attachment: Attachment): string {
    return path.join(this.dataDir, attachment.file);
  }
}

function clean(name: string): string {
  return name.replace(SAFE_NAME, '_').slice(0, 200);
}
