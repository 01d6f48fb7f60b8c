import { statfsSync } from 'node:fs';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';

export interface RecordingSpaceOptions {
  /** DATADIR/recordings. */
  recordingsDir: string;
  /** media.minFreeMiB: below this, no recording starts. */
  minFreeMiB: number;
  registry: Registry;
  logger: Logger;
  /** Flags the call record `recording: {status: 'disk-full'}`. */
  onRefused(callId: string): void;
  /** Free bytes under a directory (tests); default statfs. */
  freeBytes?: (dir: string) => number;
}

export const MiB = 1024 * 1024;

function statfsFree(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/**
 * The disk guard in front of every recording: a full disk of recordings stops
 * recording, never the calls. Before a call to be recorded is anchored, the
 * free space under DATADIR/recordings is read (statfs, space available to
 * unprivileged users); below media.minFreeMiB the call connects phone to phone
 * unrecorded, its record says `recording: {status: 'disk-full'}`, the counter
 * `swb_recordings_refused_total{reason="disk_full"}` goes up and a warn line
 * is logged. A directory that cannot be read (missing) does not refuse: the
 * recording is then reported as the media server leaves it. A recording
 * already running when the space falls below the floor is stopped by
 * RecordingDiskWatch (recording-watch.ts), which reads the space through here.
 */
export class RecordingSpace {
  private readonly refused: Counter<'reason'>;

  constructor(private readonly o: RecordingSpaceOptions) {
    this.refused = new Counter({
      name: 'swb_recordings_refused_total',
      help: 'calls to be recorded that connected unrecorded because a recording could not start, by reason (disk_full: free space under DATADIR/recordings below media.minFreeMiB)',
      labelNames: ['reason'] as const,
      registers: [o.registry],
    });
    this.refused.inc({ reason: 'disk_full' }, 0);
  }

  get dir(): string {
    return this.o.recordingsDir;
  }

  get minFreeMiB(): number {
    return this.o.minFreeMiB;
  }

  /** Free bytes under DATADIR/recordings now; null when it cannot be read (missing directory). */
  free(): number | null {
    try {
      return (this.o.freeBytes ?? statfsFree)(this.o.recordingsDir);
    } catch (err) {
      this.o.logger.debug({ err, dir: this.o.recordingsDir }, 'free space under the recordings directory unknown');
      return null;
    }
  }

  /** True when a floor is set and this much free space is below it. */
  below(free: number): boolean {
    return this.o.minFreeMiB > 0 && free < this.o.minFreeMiB * MiB;
  }

  /** True when the call must not be recorded (and it has been flagged, counted and logged). */
  refuse(callId: string): boolean {
    if (this.o.minFreeMiB === 0) return false;
    const free = this.free();
    if (free === null || !this.below(free)) return false;
    this.refused.inc({ reason: 'disk_full' });
    this.o.logger.warn({ call: callId, dir: this.o.recordingsDir, freeMiB: Math.floor(free / MiB), minFreeMiB: this.o.minFreeMiB }, 'recordings disk full: call connected without recording');
    this.o.onRefused(callId);
    return true;
  }
}
