import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CallSummary } from '../../../http/api/calls.js';
import { useApp } from '../context.js';
import { ApiError } from '../api.js';
import { phoneApi } from './api.js';

export interface PhoneState {
  /** My extension, null when I have none (or the role has no phone). */
  extension: string | null;
  registered: boolean;
  /** Online takes new conversations from round robin; null until known. */
  online: boolean | null;
  setOnline(online: boolean): Promise<void>;
  /** The latest word on each call I heard of (live events and my own click-to-calls). */
  calls: ReadonlyMap<string, CallSummary>;
  track(call: CallSummary): void;
}

const PhoneContext = createContext<PhoneState | null>(null);

export function usePhone(): PhoneState {
  const c = useContext(PhoneContext);
  if (!c) throw new Error('usePhone outside PhoneProvider');
  return c;
}

/** Enough to show what a button started and what just rang; older calls are in the history. */
const KEEP_CALLS = 50;
/** Registrations are not on the live stream: my phone's state is asked again this often. */
const PHONE_POLL_MS = 30_000;
const STAFF = ['admin', 'supervisor', 'operator'];

/** Whether a ringing call is mine to answer: it rings my extension, or my department's ring group. */
export function ringsMe(call: CallSummary, extension: string | null, department: string | null): boolean {
  return call.state === 'ringing' && call.direction === 'in' && ((extension !== null && call.rung.includes(extension)) || (department !== null && call.departments.includes(department)));
}

/**
 * The phone side of the window: my extension and presence, the calls the live
 * stream tells of, and the screen pop: a call ringing my phone (or my
 * department) opens its caller's card and history at /call/<id>.
 */
export function PhoneProvider({ children }: { children: ComponentChildren }) {
  const { session, onLive, navigate } = useApp();
  const staff = STAFF.includes(session.role);
  const [mine, setMine] = useState<{ extension: string | null; registered: boolean }>({ extension: null, registered: false });
  const [online, setOnlineState] = useState<boolean | null>(null);
  const [calls, setCalls] = useState<Map<string, CallSummary>>(new Map());
  const popped = useRef(new Set<string>());
  const extension = useRef<string | null>(null);
  extension.current = mine.extension;

  useEffect(() => {
    if (!staff) return;
    const load = () => void phoneApi.myPhone().then(setMine, () => undefined);
    load();
    phoneApi.presence().then((p) => setOnlineState(p.online), () => undefined);
    const id = setInterval(load, PHONE_POLL_MS);
    return () => clearInterval(id);
  }, [staff]);

  const track = useCallback((call: CallSummary) => {
    setCalls((cur) => {
      const next = new Map(cur);
      next.delete(call.id);
      next.set(call.id, call);
      while (next.size > KEEP_CALLS) next.delete(next.keys().next().value!);
      return next;
    });
  }, []);

  useEffect(
    () =>
      onLive((data) => {
        if (data?.type !== 'call') return;
        track(data.call);
        if (ringsMe(data.call, extension.current, session.department) && !popped.current.has(data.call.id)) {
          popped.current.add(data.call.id);
          navigate(`/call/${encodeURIComponent(data.call.id)}`);
        }
      }),
    [onLive, navigate, track, session.department],
  );

  const setOnline = useCallback(async (value: boolean) => {
    const p = await phoneApi.setPresence(value);
    setOnlineState(p.online);
  }, []);

  const value = useMemo<PhoneState>(() => ({ ...mine, online, setOnline, calls, track }), [mine, online, setOnline, calls, track]);
  return <PhoneContext.Provider value={value}>{children}</PhoneContext.Provider>;
}

/** The catalogue key for why the API refused a phone action, or null for anything else. */
export function phoneErrorKey(err: unknown): 'phone.error.noExtension' | 'phone.error.offline' | 'phone.error.sip' | 'phone.error.forbidden' | null {
  if (!(err instanceof ApiError)) return null;
  switch (err.code) {
    case 'SWB_ERR_NO_EXTENSION':
      return 'phone.error.noExtension';
    case 'SWB_ERR_PHONE_OFFLINE':
      return 'phone.error.offline';
    case 'SWB_ERR_SIP_UNAVAILABLE':
      return 'phone.error.sip';
    case 'SWB_ERR_FORBIDDEN':
      return 'phone.error.forbidden';
    default:
      return null;
  }
}
