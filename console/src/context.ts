import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { BrowserSession } from '../../http/api/sessions.js';
import type { LiveData } from '../../http/api/conversations.js';
import type { Locale, Translate } from './i18n/index.js';
import type { Formats } from './format.js';

/** What every screen needs: the words, the formats, who is signed in, and the live feed. */
export interface Ctx {
  locale: Locale;
  t: Translate;
  fmt: Formats;
  session: BrowserSession;
  /** Subscribe to live events; also told (null) after a reconnect, to reload. Returns the unsubscribe. */
  onLive: (fn: (data: LiveData | null) => void) => () => void;
  navigate: (path: string) => void;
}

export const AppContext = createContext<Ctx | null>(null);

export function useApp(): Ctx {
  const c = useContext(AppContext);
  if (!c) throw new Error('useApp outside AppContext');
  return c;
}

/** A tiny fan-out: one EventSource for the page, many screens listening. */
export function liveHub(): { emit: (d: LiveData | null) => void; on: (fn: (d: LiveData | null) => void) => () => void } {
  const subs = new Set<(d: LiveData | null) => void>();
  return {
    emit: (d) => subs.forEach((fn) => fn(d)),
    on: (fn) => {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}
