import type { Appliance } from '../appliance/app.js';
import { PASSWORD } from './console-rig.js';

const RELOAD_DEBOUNCE_MS = 100;

/**
 * A console without a browser: an operator of `sales` signed in through the
 * browser-session route (the same cookie), on the live stream, asking for the
 * department's first inbox page after each burst of events exactly as the
 * console's inbox does (console/src/inbox.tsx). The appliance serves it as it
 * serves a page; what it saves is the test machine's renderer. `heard` holds
 * when each `bench#<n>#` text arrived on its stream.
 */
export class StreamConsole {
  readonly heard = new Map<number, number>();
  private readonly abort = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    private readonly base: string,
    private readonly cookie: string,
  ) {}

  static async open(app: Appliance, base: string, username: string): Promise<StreamConsole> {
    await app.access.users.create({ username, password: PASSWORD, role: 'operator', department: 'sales' }, { actor: 'bench', source: 'bench' });
    const r = await fetch(`${base}/api/v1/browser/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ username, password: PASSWORD }) });
    if (r.status !== 201) throw new Error(`sign-in failed in bench: ${r.status} ${await r.text()}`);
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const c = new StreamConsole(base, cookie);
    await c.listen();
    return c;
  }

  private async listen(): Promise<void> {
    const r = await fetch(`${this.base}/api/v1/events`, { headers: { accept: 'text/event-stream', cookie: this.cookie }, signal: this.abort.signal });
    if (r.status !== 200 || !r.body) throw new Error(`live stream refused in bench: ${r.status}`);
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buf += value;
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          this.frame(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    })();
  }

  private frame(frame: string): void {
    if (!frame.startsWith('event: ')) return;
    const at = performance.timeOrigin + performance.now();
    for (const m of frame.matchAll(/bench#(\d+)#/g)) if (!this.heard.has(Number(m[1]))) this.heard.set(Number(m[1]), at);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), RELOAD_DEBOUNCE_MS);
  }

  private async reload(): Promise<void> {
    const r = await fetch(`${this.base}/api/v1/inbox?view=department&order=activity&limit=200`, { headers: { cookie: this.cookie } }).catch(() => null);
    await r?.arrayBuffer();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }
}
