import { useEffect, useRef } from 'preact/hooks';

const EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/**
 * The server ends a session after access.sessionIdleSeconds without requests,
 * but an open console keeps making them (the live stream), so the page itself
 * signs out after that long without a person touching it.
 */
export function useIdleSignOut(idleSeconds: number, signOut: () => void): void {
  const last = useRef(Date.now());
  const fire = useRef(signOut);
  fire.current = signOut;
  useEffect(() => {
    const touch = () => (last.current = Date.now());
    for (const e of EVENTS) addEventListener(e, touch, { passive: true });
    const timer = setInterval(() => {
      if (Date.now() - last.current >= idleSeconds * 1000) fire.current();
    }, 5000);
    return () => {
      clearInterval(timer);
      for (const e of EVENTS) removeEventListener(e, touch);
    };
  }, [idleSeconds]);
}
