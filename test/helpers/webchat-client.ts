import WebSocket from 'ws';

/** A web chat visitor speaking the widget's protocol, for tests that need no browser. */
export class Visitor {
  readonly frames: Array<Record<string, any>> = [];
  token: string | null = null;
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(String(d)) as Record<string, any>));
  }

  static async connect(publicUrl: string, channelId: string, opts: { token?: string | null; origin?: string } = {}): Promise<Visitor> {
    const ws = new WebSocket(`${publicUrl.replace(/^http/, 'ws')}/webchat/${channelId}/ws`, { headers: { origin: opts.origin ?? 'http://shop.example' } });
    const v = new Visitor(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      ws.once('error', reject);
    });
    v.send({ type: 'hello', token: opts.token ?? null });
    const welcome = await v.next('welcome');
    v.token = welcome.token as string;
    return v;
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  async next(type: string, where: (f: Record<string, any>) => boolean = () => true, ms = 5000): Promise<Record<string, any>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.frames.find((x) => x.type === type && where(x));
      if (f) return f;
      if (Date.now() > deadline) throw new Error(`no ${type} frame`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.ws.close();
  }
}
