import { Counter, Gauge, type Registry } from 'prom-client';
import type { MediaBackend } from './types.js';

/**
 * Media series on the appliance's registry. Labels are the backend name and a
 * recording's status: never a call id, a channel id or a file name.
 */
export class MediaMetrics {
  constructor(registry: Registry, backend: MediaBackend) {
    const registers = [registry];
    const labels = { backend: backend.name };
    new Gauge({
      name: 'swb_media_link_up',
      help: '1 while the control link to the media server (FreeSWITCH ESL, Asterisk AMI) is logged in and subscribed',
      labelNames: ['backend'] as const,
      registers,
      collect() {
        this.set(labels, backend.readiness() === 'ok' ? 1 : 0);
      },
    });
    // The link keeps its own running totals; each scrape adds what is new since the last one.
    const fromStats = (name: string, help: string, pick: (s: ReturnType<MediaBackend['stats']>) => number): void => {
      let last = 0;
      new Counter({
        name,
        help,
        labelNames: ['backend'] as const,
        registers,
        collect() {
          const now = pick(backend.stats());
          if (now > last) this.inc(labels, now - last);
          last = Math.max(last, now);
        },
      });
    };
    fromStats('swb_media_link_connects_total', 'Logins to the media server, the first included', (s) => s.connects);
    fromStats('swb_media_command_timeouts_total', 'Commands to the media server that got no reply in time (each drops the link)', (s) => s.timeouts);
    fromStats('swb_media_link_poisoned_total', 'Links dropped because the byte stream could no longer be trusted (timeout, unexpected reply, garbage)', (s) => s.poisoned);
    fromStats('swb_media_events_total', 'Events received from the media server', (s) => s.events);
    const recordings = new Counter({
      name: 'swb_media_recordings_total',
      help: 'Closed recordings by status (ok, truncated, empty, missing)',
      labelNames: ['backend', 'status'] as const,
      registers,
    });
    backend.on('recording-stopped', (r) => recordings.inc({ backend: backend.name, status: r.status }));
  }
}
