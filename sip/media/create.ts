import { AsteriskBackend, type AsteriskBackendOptions } from './asterisk/asterisk-backend.js';
import { FreeswitchBackend, type FreeswitchBackendOptions } from './freeswitch/freeswitch-backend.js';
import type { MediaBackend } from './types.js';

/**
 * The one place that turns the `media:` choice into a backend, so the
 * composition root needs no knowledge of either. `none` is no backend: calls
 * stay direct (sip/calls/media.ts DirectMedia) and none can be recorded.
 */
export type MediaSettings =
  | { kind: 'none' }
  | { kind: 'freeswitch'; options: FreeswitchBackendOptions }
  | { kind: 'asterisk'; options: AsteriskBackendOptions };

export function createMediaBackend(settings: MediaSettings): MediaBackend | null {
  switch (settings.kind) {
    case 'freeswitch':
      return new FreeswitchBackend(settings.options);
    case 'asterisk':
      return new AsteriskBackend(settings.options);
    default:
      return null;
  }
}
