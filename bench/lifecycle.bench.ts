import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../domain/store/store.js';
import { HistoryService } from '../domain/history/history.js';
import { notifySocket } from '../test/helpers/notify-socket.js';
import { scratchDir, type BenchRow } from './harness.js';

const EVENTS = 1_000_000;
const CLIENTS = 1_000;
const CLI = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../appliance/cli/main.js');

/** Milliseconds from spawn to READY=1 on a real NOTIFY_SOCKET, and the resident memory then. */
async function startToReady(dataDir: string, cleanups: Array<() => void>): Promise<{ ms: number; rssMiB: number }> {
  const sock = await notifySocket({ teardown: (fn) => void cleanups.push(fn as () => void) }, path.join(dataDir, '..', `notify-${path.basename(dataDir)}.sock`));
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'start'], { env: { PATH: process.env.PATH ?? '', SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LISTEN: '127.0.0.1:0', SWITCHBOARD_LOG_LEVEL: 'warn', NOTIFY_SOCKET: sock.address }, stdio: 'ignore' });
  try {
    await sock.waitFor((d) => d.fields.READY === '1', 60_000, 'READY=1');
    const ms = performance.now() - t0;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    return { ms, rssMiB: rss };
  } finally {
    child.kill('SIGTERM');
  }
}

export async function lifecycleBench(): Promise<BenchRow[]> {
  const { dir, cleanup } = await scratchDir();
  const cleanups: Array<() => void> = [];
  try {
    const store = await Store.open({ dataDir: path.join(dir, 'full') });
    const history = new HistoryService(store);
    const base = Date.now() - EVENTS;
    for (let i = 0; i < EVENTS; i += 1000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < i + 1000; j++) batch.push(history.append({ clientId: `client-${j % CLIENTS}`, at: new Date(base + j).toISOString(), kind: 'note', payload: { text: `event ${j}` } }));
      await Promise.all(batch);
    }
    const sizeMiB = store.stats().usedBytes / 1024 / 1024;
    await store.close();
    const empty = await startToReady(path.join(dir, 'empty'), cleanups);
    const full = await startToReady(path.join(dir, 'full'), cleanups);
    return [
      { name: `start to READY=1, store with 1M events (${sizeMiB.toFixed(0)} MiB)`, value: full.ms, unit: 'ms', ceilingName: 'start to READY=1, empty store', ceiling: empty.ms, better: 'lower', target: '< 1000 ms', pass: full.ms < 1000 },
      { name: 'resident memory at READY, 1M events', value: full.rssMiB, unit: 'MiB', ceilingName: 'empty store', ceiling: empty.rssMiB, better: 'lower', target: 'report', pass: true },
    ];
  } finally {
    for (const c of cleanups) c();
    await cleanup();
  }
}
