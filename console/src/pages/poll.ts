import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveData } from '../../../http/api/conversations.js';
import { ApiError } from '../api.js';
import { useApp } from '../context.js';

/** A busy desk sends many live events: one reload per half second of them is enough for a board. */
const LIVE_DEBOUNCE_MS = 500;

export interface Polled<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

/** Which live events (null: the stream came back) move what is polled, and how soon to ask after them. */
export interface LiveTrigger {
  when: (data: LiveData | null) => boolean;
  debounceMs: number;
}

/**
 * `fetch` now, every `ms`, and whenever the live stream says something moved
 * (every event when `onLive` is true, those it picks when a trigger), newest
 * answer wins. For what the live stream does not carry (phones, presence) the
 * interval is the only way to learn.
 */
export function usePoll<T>(fetch: () => Promise<T>, ms: number, onLive: boolean | LiveTrigger = false): Polled<T> {
  const { t, onLive: subscribe } = useApp();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const fn = useRef(fetch);
  fn.current = fetch;
  const load = useRef(() => {});
  load.current = () => {
    const mine = ++seq.current;
    fn.current().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
      },
      (err: unknown) => {
        if (mine !== seq.current || (err instanceof ApiError && err.code === 'SWB_ERR_UNAUTHENTICATED')) return;
        setError(err instanceof ApiError ? (err.network ? t('error.network') : err.message) : String(err));
      },
    );
  };
  useEffect(() => {
    load.current();
    const timer = setInterval(() => load.current(), ms);
    let debounce: ReturnType<typeof setTimeout> | null = null;
    const trigger = onLive === true ? { when: () => true, debounceMs: LIVE_DEBOUNCE_MS } : onLive || null;
    const off = trigger
      ? subscribe((d) => {
          if (!trigger.when(d)) return;
          if (debounce) clearTimeout(debounce);
          debounce = setTimeout(() => load.current(), trigger.debounceMs);
        })
      : () => undefined;
    return () => {
      clearInterval(timer);
      if (debounce) clearTimeout(debounce);
      off();
    };
  }, [ms, onLive, subscribe]);
  return { data, error, reload: () => load.current() };
}
