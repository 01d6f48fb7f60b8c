import { useMemo, useState } from 'preact/hooks';
import type { HistoryEvent } from '../../../http/api/history.js';
import type { BrowserSession } from '../../../http/api/sessions.js';
import { useApp } from '../context.js';

/**
 * Whose recordings this person may play, mirroring the API's rule (sip/http/routes.ts):
 * supervisors and admins every one; an operator those of calls their own
 * extension took part in, judged from the call's event in the timeline. A
 * recording whose call event is not loaded yet is not offered to an operator:
 * guessing would send requests the API refuses, and audits, as attempts.
 */
export function usePlayable(events: readonly HistoryEvent[], session: BrowserSession): (callId: string) => boolean {
  return useMemo(() => {
    if (session.role === 'admin' || session.role === 'supervisor') return () => true;
    const mine = session.extension;
    if (session.role !== 'operator' || !mine) return () => false;
    const own = new Set<string>();
    for (const e of events) {
      if (e.kind !== 'call') continue;
      const p = e.payload;
      if (p.extension === mine || (e.direction === 'internal' && (p.from === mine || p.to === mine))) own.add(p.callId);
    }
    return (callId) => own.has(callId);
  }, [events, session]);
}

/**
 * The browser's own player over GET /api/v1/calls/:id/recording, which answers
 * Range requests, so seeking fetches only what is played. preload="none": the
 * file is fetched (and each fetch audited) when someone presses play, not
 * whenever a timeline with recordings is shown.
 */
export function RecordingPlayer({ callId, label }: { callId: string; label: string }) {
  const { t } = useApp();
  const [failed, setFailed] = useState(false);
  if (failed) return <span class="error">{t('recording.unavailable')}</span>;
  return <audio controls preload="none" src={`/api/v1/calls/${encodeURIComponent(callId)}/recording`} aria-label={label} onError={() => setFailed(true)} />;
}
