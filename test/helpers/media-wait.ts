import { once, type EventEmitter } from 'node:events';

/** The next `name` event of an emitter, or a failure naming what did not come. */
export async function nextEvent<T>(emitter: EventEmitter, name: string, timeoutMs: number, filter: (v: T) => boolean = () => true): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    for (;;) {
      const [v] = (await once(emitter, name, { signal: ac.signal })) as [T];
      if (filter(v)) return v;
    }
  } catch (err) {
    if (ac.signal.aborted) throw new Error(`no "${name}" event within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects every `name` event into an array. */
export function collect<T>(emitter: EventEmitter, name: string): T[] {
  const seen: T[] = [];
  emitter.on(name, (v: T) => seen.push(v));
  return seen;
}
