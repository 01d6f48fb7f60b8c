import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ESL_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'esl');

/** The text/event-json frames of a raw ESL byte stream (a capture of what FreeSWITCH sent), bytes as they were. */
export function eslEventFrames(raw: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  while (i < raw.length) {
    const end = raw.indexOf('\n\n', i);
    if (end < 0) break;
    const head = raw.toString('latin1', i, end);
    const len = Number(/Content-Length: (\d+)/.exec(head)?.[1] ?? 0);
    if (end + 2 + len > raw.length) break;
    if (head.includes('text/event-json')) frames.push(raw.subarray(i, end + 2 + len));
    i = end + 2 + len;
  }
  return frames;
}

/**
 * The event frames of a captured ESL session (test/fixtures/esl/*.txt, bytes
 * as the real FreeSWITCH sent them), with @RECORDINGS@ replaced by a folder of
 * the test's choosing and each Content-Length made right again.
 */
export function eventFrames(fixture: string, recordingsDir: string): Buffer[] {
  return eslEventFrames(readFileSync(path.join(ESL_FIXTURES, fixture))).map((frame) => {
    const end = frame.indexOf('\n\n');
    const fixed = Buffer.from(frame.toString('utf8', end + 2).replaceAll('@RECORDINGS@', recordingsDir), 'utf8');
    return Buffer.concat([Buffer.from(`Content-Length: ${fixed.length}\nContent-Type: text/event-json\n\n`), fixed]);
  });
}

/**
 * The server side of an ESL session as FreeSWITCH speaks it: the greeting, then
 * replies to auth, event and api commands; `onSubscribed` runs once the client
 * subscribes to RECORD_STOP (the last subscription the backend makes).
 */
export function answerEsl(s: Socket, onSubscribed: () => void, apiReply: (cmd: string) => string | Promise<string> = () => '+OK'): void {
  s.write('Content-Type: auth/request\n\n');
  let buf = '';
  // Replies leave in the order the commands came, as FreeSWITCH's do, however long each one takes.
  let replies = Promise.resolve();
  s.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
      const cmd = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (cmd.startsWith('auth ')) s.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
      else if (cmd.startsWith('event ')) {
        s.write('Content-Type: command/reply\nReply-Text: +OK event listener enabled json\n\n');
        if (cmd.includes('RECORD_STOP')) onSubscribed();
      } else if (cmd.startsWith('api ')) {
        const body = apiReply(cmd.slice(4));
        replies = replies.then(() => body).then((b) => void s.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(b)}\n\n${b}`));
      } else s.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
    }
  });
}

/**
 * A stand-in FreeSWITCH event socket: the real greeting and replies for auth,
 * event and api, then the captured events once subscribed. `api` answers come
 * from `apiReply` (e.g. uuid_exists -> false).
 */
export async function startEslReplay(frames: Buffer[], apiReply: (cmd: string) => string = () => '+OK'): Promise<{ port: number; server: Server; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    answerEsl(s, () => {
      for (const f of frames) s.write(f);
    }, apiReply);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    server,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
