import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the appliance and a real media server that makes the
 * faults the server won't: drop the connection, refuse new ones (server
 * "down"), delay, inject garbage, duplicate a frame, swallow a frame. It
 * understands the server-to-client framing (ESL: headers, blank line, then
 * Content-Length bytes; AMI: a greeting line, then blocks ended by a blank
 * line), so a fault hits exactly one whole reply or event. Client-to-server
 * bytes pass untouched.
 */
export type Framing = 'esl' | 'ami';
export type FrameMatch = (frame: string) => boolean;

interface Rule {
  kind: 'swallow' | 'duplicate' | 'rewrite';
  match: FrameMatch;
  /** Only frames after a client command matching this (each such command arms the rule once). */
  after?: RegExp;
  armed?: number;
  edit?: (frame: string) => string;
  /** How many more frames the rule applies to (Infinity: until removed). */
  left: number;
  hits: number;
}

class Framer {
  private buf = Buffer.alloc(0);
  private greeted: boolean;
  constructor(private readonly framing: Framing) {
    this.greeted = framing !== 'ami';
  }
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      if (!this.greeted) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) break;
        out.push(this.take(eol + 2));
        this.greeted = true;
        continue;
      }
      const sep = this.framing === 'esl' ? '\n\n' : '\r\n\r\n';
      const end = this.buf.indexOf(sep);
      if (end < 0) break;
      let len = end + sep.length;
      if (this.framing === 'esl') {
        const m = /Content-Length: (\d+)/.exec(this.buf.toString('latin1', 0, end));
        if (m) len += Number(m[1]);
        if (this.buf.length < len) break;
      }
      out.push(this.take(len));
    }
    return out;
  }
  private take(n: number): Buffer {
    const head = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(head);
  }
}

export class FaultProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private rules: Rule[] = [];
  private refusing = false;
  private delayMs = 0;
  /** Connections accepted and passed upstream, over the proxy's life. */
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly framing: Framing,
  ) {}

  static async start(target: { host: string; port: number }, framing: Framing): Promise<FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    const proxy = new FaultProxy(server, typeof addr === 'object' && addr ? addr.port : 0, target, framing);
    server.on('connection', (c) => proxy.accept(c));
    return proxy;
  }

  private accept(client: Socket): void {
    if (this.refusing) return void client.destroy();
    this.connections++;
    const upstream = createConnection(this.target);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const framer = new Framer(this.framing);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (d: Buffer) => {
      for (const rule of this.rules) if (rule.after?.test(d.toString('utf8'))) rule.armed = (rule.armed ?? 0) + 1;
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      for (const frame of framer.push(d)) for (const out of this.apply(frame)) this.forward(client, out);
    });
  }

  private apply(frame: Buffer): Buffer[] {
    const text = frame.toString('utf8');
    for (const rule of this.rules) {
      if (rule.left <= 0 || (rule.after && !rule.armed) || !rule.match(text)) continue;
      rule.left--;
      rule.hits++;
      if (rule.after) rule.armed!--;
      if (rule.kind === 'rewrite') return [Buffer.from(rule.edit!(text), 'utf8')];
      return rule.kind === 'swallow' ? [] : [frame, frame];
    }
    return [frame];
  }

  private forward(client: Socket, data: Buffer): void {
    if (this.delayMs > 0) setTimeout(() => !client.destroyed && client.write(data), this.delayMs);
    else if (!client.destroyed) client.write(data);
  }

  /** Cuts every open connection (both sides), as a network drop or a restart would. */
  dropAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** While set, new connections are closed at once: the media server looks down. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Writes bytes to every client now, between frames, as if the server had sent them. */
  inject(bytes: string | Buffer): void {
    for (const { client } of this.pairs) client.write(bytes);
  }

  /** Drops the next `count` server frames that match (a reply that never comes). Returns the rule, whose hits say how many were dropped. */
  swallow(match: FrameMatch, count = 1): Rule {
    const rule: Rule = { kind: 'swallow', match, left: count, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  /** Sends the next `count` matching server frames twice. */
  duplicate(match: FrameMatch, count = Infinity): Rule {
    const rule: Rule = { kind: 'duplicate', match, left: count, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  /**
   * Replaces the server's reply to the next `count` client commands matching `command` with `edit(frame)`
   * (ESL: one command in flight, so the first reply frame after it is its reply; see eslReply).
   */
  rewriteReplyTo(command: RegExp, reply: FrameMatch, edit: (frame: string) => string, count = 1): Rule {
    const rule: Rule = { kind: 'rewrite', match: reply, after: command, armed: 0, edit, left: count, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  clearRules(): void {
    this.rules = [];
  }

  get open(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An ESL reply frame with its body replaced (Content-Length follows). */
export function eslReply(frame: string, body: string): string {
  const head = frame.slice(0, frame.indexOf('\n\n'));
  return `${head.replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(body)}`)}\n\n${body}`;
}
