import { once, type EventEmitter } from 'node:events';
import type { Test } from 'tap';
import type { ChannelAnswered, MediaCallView, RecordingResult } from '../../sip/media/types.js';

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

/** What a backend under test reported, collected from the moment it starts. */
export interface Seen {
  answered: ChannelAnswered[];
  started: Array<{ file: string }>;
  stopped: RecordingResult[];
  ended: MediaCallView[];
  links: string[];
}

/** Start a backend whose link goes through `proxy`, collecting its events; both close when the test ends. */
export async function startObserved<B extends EventEmitter & { start(): void; close(): Promise<void> }>(t: Pick<Test, 'teardown'>, backend: B, proxy: { close(): Promise<void> }): Promise<Seen> {
  t.teardown(async () => {
    await backend.close();
    await proxy.close();
  });
  const seen: Seen = {
    answered: collect<ChannelAnswered>(backend, 'answered'),
    started: collect<{ file: string }>(backend, 'recording-started'),
    stopped: collect<RecordingResult>(backend, 'recording-stopped'),
    ended: collect<MediaCallView>(backend, 'call-ended'),
    links: collect<string>(backend, 'link'),
  };
  backend.start();
  await nextEvent(backend, 'link', 10_000, (s) => s === 'up');
  return seen;
}

/** Waits until the calls are over and everything about them has been reported, with room for a duplicate. */
export async function settled(r: { seen: Seen; backend: { tracker: { idle(): Promise<void> } } }, calls = 1): Promise<void> {
  await until(() => r.seen.stopped.length >= calls && r.seen.ended.length >= calls, 20_000, 'the recording and the call end to be reported');
  await r.backend.tracker.idle();
  await new Promise((res) => setTimeout(res, 300));
}
