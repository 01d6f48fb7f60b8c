import { StringDecoder } from 'node:string_decoder';

/**
 * The Asterisk Manager Interface wire format: after a one-line greeting
 * ("Asterisk Call Manager/x.y.z"), messages of "Key: Value" lines ended by an
 * empty line, CRLF throughout. A message is a Response (to an action, with
 * its ActionID) or an Event. Keys may repeat: ChanVariable carries one channel
 * variable each ("ChanVariable: NAME=value"), collected into `vars`.
 */
export interface AmiMessage {
  /** 'response' or 'event'. */
  type: 'response' | 'event';
  /** The Response value (Success, Error, Goodbye) or the Event name. */
  name: string;
  fields: Record<string, string>;
  vars: Record<string, string>;
}

export type AmiFrame = { kind: 'greeting'; text: string } | { kind: 'message'; message: AmiMessage } | { kind: 'garbage'; text: string };

/** Longest message we accept before calling the stream broken (a CoreShowChannels item is well under 4 KiB). */
const MAX_MESSAGE = 256 * 1024;

export class AmiParser {
  private buffer = '';
  private greeted = false;
  /** A UTF-8 character split across two reads stays whole. */
  private readonly decoder = new StringDecoder('utf8');

  /** Feeds bytes; returns the complete frames found. */
  push(chunk: Buffer): AmiFrame[] {
    this.buffer += this.decoder.write(chunk);
    const frames: AmiFrame[] = [];
    if (!this.greeted) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return this.buffer.length > 1024 ? [{ kind: 'garbage', text: this.buffer.slice(0, 80) }] : frames;
      const line = this.buffer.slice(0, eol);
      this.buffer = this.buffer.slice(eol + 2);
      this.greeted = true;
      frames.push(line.startsWith('Asterisk Call Manager/') ? { kind: 'greeting', text: line } : { kind: 'garbage', text: line.slice(0, 80) });
    }
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) break;
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 4);
      frames.push(parseBlock(block));
    }
    if (this.buffer.length > MAX_MESSAGE) {
      frames.push({ kind: 'garbage', text: `${this.buffer.length} bytes without an end of message` });
      this.buffer = '';
    }
    return frames;
  }
}

function parseBlock(block: string): AmiFrame {
  const fields: Record<string, string> = {};
  const vars: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(': ');
    // "Key:" with an empty value has no space after the colon.
    const key = colon >= 0 ? line.slice(0, colon) : line.endsWith(':') ? line.slice(0, -1) : null;
    if (key === null || !/^[A-Za-z0-9_()-]+$/.test(key)) return { kind: 'garbage', text: line.slice(0, 80) };
    const value = colon >= 0 ? line.slice(colon + 2) : '';
    if (key === 'ChanVariable') {
      const eq = value.indexOf('=');
      if (eq > 0) vars[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (!(key in fields)) fields[key] = value;
  }
  if (fields.Response !== undefined) return { kind: 'message', message: { type: 'response', name: fields.Response, fields, vars } };
  if (fields.Event !== undefined) return { kind: 'message', message: { type: 'event', name: fields.Event, fields, vars } };
  return { kind: 'garbage', text: block.slice(0, 80) };
}

/** One action on the wire. Values with CR or LF would start a new header or message: refused by the caller. */
export function serializeAction(fields: Record<string, string>): string {
  return `${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
}
