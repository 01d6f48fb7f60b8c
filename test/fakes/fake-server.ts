import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a fake answers instead of its normal reply, to test the appliance's handling of a provider in trouble. */
export type Fault = { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> } | { kind: 'hang' } | { kind: 'reset' };

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/**
 * The base of every provider fake: a real HTTP server on loopback that records
 * each request and can, for a while or for the next N requests, answer with a
 * fault (a 429 with retry_after, a 5xx, a hang, a reset connection) instead of
 * its normal reply.
 */
export abstract class FakeServer {
  readonly received: Received[] = [];
  private server: http.Server | null = null;
  private readonly faults: Array<{ fault: Fault; remaining: number; until: number; match: RegExp; skip: number }> = [];
  private readonly hung = new Set<ServerResponse>();
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `count` requests whose path matches get `fault` instead of the normal answer, after `skip` of them are answered normally. */
  failNext(count: number, fault: Fault, match = /./, skip = 0): void {
    this.faults.push({ fault, remaining: count, until: Infinity, match, skip });
  }

  /** Every matching request gets `fault` for `ms` milliseconds: the provider down for a while. */
  outage(ms: number, fault: Fault, match = /./): void {
    this.faults.push({ fault, remaining: Infinity, until: Date.now() + ms, match, skip: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private takeFault(path: string): Fault | null {
    const now = Date.now();
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (f.until < now || f.remaining <= 0) {
        this.faults.splice(i--, 1);
        continue;
      }
      if (!f.match.test(path)) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.remaining--;
      return f.fault;
    }
    return null;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec: Received = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
    this.received.push(rec);
    const fault = this.takeFault(url.pathname);
    if (fault?.kind === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'status') return this.json(res, fault.status, fault.body, fault.headers);
    try {
      await this.handle(rec, url, res);
    } catch (err) {
      this.json(res, 500, { error: String(err) });
    }
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  protected abstract handle(req: Received, url: URL, res: ServerResponse): Promise<void> | void;
}

/** Parses a multipart/form-data body (what sendDocument and WhatsApp media uploads carry) with the platform's own parser. */
export async function parseForm(req: Received): Promise<FormData> {
  return new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData();
}
