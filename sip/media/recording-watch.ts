import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { BoundedSet } from './tracker.js';
import { MiB, type RecordingSpace } from './recording-space.js';
import type { MediaBackend, RecordingResult } from './types.js';

export interface RecordingDiskWatchOptions {
  backend: MediaBackend;
  space: RecordingSpace;
  /** media.diskCheckSeconds: how often free space is read while something records. */
  intervalMs: number;
  registry: Registry;
  logger: Logger;
}

interface Running {
  channelId: string;
  callId: string | null;
  /** Set once a stop was asked for, so each tick does not ask again while the media server closes the file. */
  stopping: boolean;
}

export type Interruption = 'disk-full';

/**
 * The disk guard for recordings already running: RecordingSpace refuses new
 * ones below media.minFreeMiB, but a long call started with room to spare
 * keeps writing. While at least one recording runs (from the backend's
 * recording-started to its recording-stopped or the channel's end), the free
 * space under DATADIR/recordings is read every media.diskCheckSeconds; below
 * the floor every running recording is stopped through the backend
 * (FreeSWITCH `uuid_record ... stop all`, Asterisk StopMixMonitor) and the
 * calls stay connected. The media server then closes the file and reports it
 * as usual (recording-stopped, inspected like any other), and takeInterruption
 * tells the call record why it is short. With nothing recording there is no
 * timer and no statfs.
 */
export class RecordingDiskWatch {
  /** Running recordings by file. */
  private readonly running = new Map<string, Running>();
  /** Files stopped for lack of space, until their stop is written to the call record. */
  private readonly interrupted = new Map<string, Interruption>();
  private readonly seenStopped = new BoundedSet(10_000);
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private closed = false;
  private readonly stopped: Counter<'reason'>;

  constructor(private readonly o: RecordingDiskWatchOptions) {
    this.stopped = new Counter({
      name: 'swb_recordings_stopped_total',
      help: 'running recordings the appliance stopped while their calls went on, by reason (disk_full: free space under DATADIR/recordings fell below media.minFreeMiB)',
      labelNames: ['reason'] as const,
      registers: [o.registry],
    });
    this.stopped.inc({ reason: 'disk_full' }, 0);
    const space = o.space;
    new Gauge({
      name: 'swb_recordings_free_bytes',
      help: 'free bytes under DATADIR/recordings (available to unprivileged users), read at scrape; NaN when the directory cannot be read',
      registers: [o.registry],
      collect() {
        this.set(space.free() ?? Number.NaN);
      },
    });
    o.backend.on('recording-started', (r) => this.started(r.file, r.channelId, r.callId));
    o.backend.on('recording-stopped', (r) => this.forget(r.file));
    o.backend.on('call-ended', (v) => {
      for (const [file, rec] of this.running) if (rec.channelId === v.channelId) this.forget(file);
    });
  }

  /** How many recordings are being watched (tests, diagnostics). */
  get size(): number {
    return this.running.size;
  }

  /** Why the recording in this file was cut short, if the appliance cut it; asked once, when its stop is written. */
  takeInterruption(r: Pick<RecordingResult, 'file'>): Interruption | undefined {
    const why = this.interrupted.get(r.file);
    this.interrupted.delete(r.file);
    return why;
  }

  close(): void {
    this.closed = true;
    this.running.clear();
    this.arm();
  }

  private started(file: string, channelId: string, callId: string | null): void {
    // A start repeated after its stop (a replay after reconnect) must not bring the recording back.
    if (this.closed || this.o.space.minFreeMiB === 0 || this.seenStopped.has(file)) return;
    if (!this.running.has(file)) this.running.set(file, { channelId, callId, stopping: false });
    this.arm();
  }

  private forget(file: string): void {
    this.seenStopped.claim(file);
    this.running.delete(file);
    this.arm();
  }

  /** A timer exactly while something records. */
  private arm(): void {
    if (this.running.size > 0 && !this.timer) {
      this.timer = setInterval(() => void this.check(), this.o.intervalMs);
      this.timer.unref();
    } else if (this.running.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One reading of the free space; below the floor, every running recording not yet asked to stop is stopped. */
  async check(): Promise<void> {
    if (this.checking || this.running.size === 0) return;
    this.checking = true;
    try {
      const free = this.o.space.free();
      if (free === null || !this.o.space.below(free)) return;
      const todo = [...this.running].filter(([, r]) => !r.stopping);
      await Promise.all(todo.map(([file, r]) => this.stop(file, r, free)));
    } finally {
      this.checking = false;
    }
  }

  private async stop(file: string, r: Running, free: number): Promise<void> {
    r.stopping = true;
    // Marked before asking: the media server's stop event may be reported before its reply to the command.
    this.interrupted.set(file, 'disk-full');
    if (this.interrupted.size > 1000) this.interrupted.delete(this.interrupted.keys().next().value as string);
    const { logger, space } = this.o;
    try {
      await this.o.backend.stopRecording(r.channelId);
    } catch (err) {
      // Link down or the server refused: the next tick asks again.
      r.stopping = false;
      this.interrupted.delete(file);
      logger.warn({ err, call: r.callId, channel: r.channelId }, 'recordings disk full: running recording could not be stopped');
      return;
    }
    this.stopped.inc({ reason: 'disk_full' });
    logger.error(
      { call: r.callId, channel: r.channelId, file, dir: space.dir, freeMiB: Math.floor(free / MiB), minFreeMiB: space.minFreeMiB },
      'recordings disk full: recording stopped, call goes on',
    );
  }
}
