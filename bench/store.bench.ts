import { open } from 'lmdb';
import { Store } from '../domain/store/store.js';
import { HistoryService } from '../domain/history/history.js';
import { percentile, scratchDir, type BenchRow } from './harness.js';

const APPENDS = 50_000;
const TIMELINE_EVENTS = 100_000;
const PAGE_READS = 2_000;
const CONCURRENCY = 500;

/** Writes in waves of CONCURRENCY outstanding promises, as concurrent webhooks and API calls would. */
async function waves(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += CONCURRENCY) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + CONCURRENCY); j++) batch.push(fn(j));
    await Promise.all(batch);
  }
  return n / ((performance.now() - t0) / 1000);
}

const payload = { text: 'Hello, I would like to know the status of my order number 123456.', attachments: [], externalId: null, status: 'received' as const };

export async function storeBench(): Promise<BenchRow[]> {
  const { dir, cleanup } = await scratchDir();
  try {
    // Ceiling: a raw lmdb put of the same value under the same durability settings as the store.
    const raw = open({ path: `${dir}/raw`, maxDbs: 4, overlappingSync: false });
    const rawDb = raw.openDB({ name: 'history' });
    const rawPuts = await waves(APPENDS, (i) => rawDb.put(['client-a', Date.now(), i, 1], { id: `e${i}`, clientId: 'client-a', at: new Date().toISOString(), kind: 'message', payload }));

    const store = await Store.open({ dataDir: `${dir}/app` });
    const history = new HistoryService(store);
    const appends = await waves(APPENDS, () => history.append({ clientId: 'client-a', kind: 'message', direction: 'in', channel: 'bench', payload }));

    // A client with 100,000 events; then pages of 50 at random points of its timeline.
    const base = Date.now() - TIMELINE_EVENTS * 1000;
    await waves(TIMELINE_EVENTS, (i) => history.append({ clientId: 'client-big', at: new Date(base + i * 1000).toISOString(), kind: 'note', payload: { text: `note ${i}` } }));
    const cursors: string[] = [];
    let page = history.page('client-big', { limit: 50 });
    while (page.nextCursor && cursors.length < 1000) {
      cursors.push(page.nextCursor);
      page = history.page('client-big', { limit: 50, cursor: page.nextCursor });
    }
    const pageMs: number[] = [];
    for (let i = 0; i < PAGE_READS; i++) {
      const cursor = i % 10 === 0 ? null : cursors[Math.floor(Math.random() * cursors.length)]!;
      const t0 = performance.now();
      history.page('client-big', { limit: 50, cursor });
      pageMs.push(performance.now() - t0);
    }
    const rawMs: number[] = [];
    const rawRoot = open({ path: `${dir}/app/store`, maxDbs: 32, readOnly: true });
    const rawHistory = rawRoot.openDB({ name: 'history' });
    for (let i = 0; i < PAGE_READS; i++) {
      const t0 = performance.now();
      [...rawHistory.getRange({ start: ['client-big', '\uffff'], end: ['client-big'], reverse: true, limit: 50 })];
      rawMs.push(performance.now() - t0);
    }
    await rawRoot.close();
    await raw.close();
    await store.close();
    const p99 = percentile(pageMs, 99);
    return [
      { name: 'history append (durable)', value: appends, unit: 'events/s', ceilingName: 'raw lmdb put', ceiling: rawPuts, better: 'higher', target: '>= 50% of raw put', pass: appends >= rawPuts * 0.5 },
      { name: 'timeline page of 50, p99 (100k events)', value: p99, unit: 'ms', ceilingName: 'raw getRange p99', ceiling: percentile(rawMs, 99), better: 'lower', target: 'p99 < 2 ms', pass: p99 < 2 },
    ];
  } finally {
    await cleanup();
  }
}
