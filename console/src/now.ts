import { useEffect, useState } from 'preact/hooks';

/** The current time, refreshed every `ms`, for "waiting 5 min" labels that must move on their own. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
