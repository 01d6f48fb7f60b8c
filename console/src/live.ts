import type { LiveData } from '../../http/api/conversations.js';

export type LiveState = 'connecting' | 'open' | 'down';

/**
 * The live stream (GET /api/v1/events), which the browser authenticates with
 * the session cookie. EventSource reconnects by itself after a drop; after
 * every (re)connect the caller reloads what it shows, so nothing sent while the
 * stream was down is lost, and merging by event id means nothing shows twice.
 */
export function connectLive(handlers: { event: (data: LiveData) => void; state: (s: LiveState) => void; reconnected: () => void; broken: () => void }): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let opened = false;
  let stopped = false;

  const open = (): void => {
    if (stopped) return;
    handlers.state('connecting');
    source = new EventSource('/api/v1/events');
    for (const type of ['message', 'status', 'conversation', 'call']) {
      source.addEventListener(type, (e) => {
        try {
          handlers.event(JSON.parse((e as MessageEvent<string>).data) as LiveData);
        } catch {
          // A malformed frame is skipped; the next reload shows the truth.
        }
      });
    }
    source.onopen = () => {
      handlers.state('open');
      if (opened) handlers.reconnected();
      opened = true;
    };
    source.onerror = () => {
      handlers.state('down');
      // The session may be what ended the stream: let the caller ask.
      handlers.broken();
      if (source?.readyState === EventSource.CLOSED) {
        // EventSource gives up on an HTTP error; try again ourselves a little later.
        source.close();
        retry = setTimeout(open, 3000);
      }
    };
  };
  open();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}
