import WebSocket from 'ws';

export interface VisitorOptions {
  token?: string | null;
  origin?: string;
  /** The loopback address the socket is bound to (127.0.0.x): one source address per simulated visitor host. */
  localAddress?: string;
  headers?: Record<string, string>;
}

/** A web chat visitor speaking the widget's protocol, for tests that need no browser. */
export class Visitor {
  readonly frames: Array<Record<string, any>> = [];
  token: string | null = null;
  /** Resolves with the close code and reason once the server (or the test) closes the socket. */
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Record<string, any>));
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** The socket open and nothing said yet. */
  static async open(publicUrl: string, channelId: string, opts: VisitorOptions = {}): Promise<Visitor> {
    const ws = new WebSocket(`${publicUrl.replace(/^http/, 'ws')}/webchat/${channelId}/ws`, {
      headers: { origin: opts.origin ?? 'http://shop.example', ...opts.headers },
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const v = new Visitor(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return v;
  }

  /** Opens and says hello; resolves once welcomed (rejects with the server's error frame when refused). */
  static async connect(publicUrl: string, channelId: string, opts: VisitorOptions = {}): Promise<Visitor> {
    const v = await Visitor.open(publicUrl, channelId, opts);
    await v.hello(opts.token ?? null);
    return v;
  }

  async hello(token: string | null = null): Promise<Record<string, any>> {
    this.send({ type: 'hello', token });
    const answer = await this.next('welcome', () => true, 5000, (f) => f.type === 'error' && !f.id);
    if (answer.type === 'error') {
      this.close();
      throw Object.assign(new Error(`hello refused: ${answer.code}`), { frame: answer });
    }
    this.token = answer.token as string;
    return answer;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame of `type` matching `where`, or (when given) the first frame matching `orElse`. */
  async next(type: string, where: (f: Record<string, any>) => boolean = () => true, ms = 5000, orElse?: (f: Record<string, any>) => boolean): Promise<Record<string, any>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.find((x) => (x.type === type && where(x)) || orElse?.(x));
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no ${type} frame`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws.close();
  }
}
