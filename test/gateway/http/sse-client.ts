import { bearer } from '../../helpers/appliance.js';

export interface SseClient {
  events: Array<{ event: string; data: any; at: number }>;
  /** Set once the server ended the stream (not when we aborted it). */
  ended: boolean;
  close: () => void;
}

/** An SSE client as an operator's screen runs one: fetch with the bearer token, events parsed as they stream. */
export async function subscribe(url: string, token: string): Promise<SseClient> {
  const ac = new AbortController();
  const r = await fetch(`${url}/api/v1/events`, { headers: { ...bearer(token), accept: 'text/event-stream' }, signal: ac.signal });
  if (r.status !== 200) throw new Error(`subscribe: ${r.status}`);
  const client: SseClient = { events: [], ended: false, close: () => ac.abort() };
  void (async () => {
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          client.ended = true;
          return;
        }
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) client.events.push({ event, data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
