import { useCallback, useEffect, useRef } from 'preact/hooks';
import { deskApi } from './api.js';

/**
 * Tells the server how far the open conversation has been read (its unread
 * count in everyone else's inbox is theirs; this is the signed-in person's):
 * once its history is shown (up to the newest event shown), and again for each
 * message that arrives while it is open and the tab is in view.
 */
export function useMarkSeen(conversationId: string, newestShown: string | null): (at: string) => void {
  const pending = useRef<string | null>(null);
  const mark = useCallback(
    (at: string) => {
      if (document.visibilityState !== 'visible') {
        pending.current = at;
        return;
      }
      void deskApi.seen(conversationId, at).catch(() => undefined);
    },
    [conversationId],
  );
  useEffect(() => {
    if (newestShown) mark(newestShown);
  }, [newestShown, mark]);
  // A message that came while the tab was hidden is read when it is shown again.
  useEffect(() => {
    const shown = () => {
      if (document.visibilityState === 'visible' && pending.current) {
        const at = pending.current;
        pending.current = null;
        mark(at);
      }
    };
    document.addEventListener('visibilitychange', shown);
    return () => document.removeEventListener('visibilitychange', shown);
  }, [mark]);
  return mark;
}
