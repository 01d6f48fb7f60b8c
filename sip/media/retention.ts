import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../../domain/store/store.js';
import type { AuditLog } from '../../domain/audit/audit-log.js';
import type { CallRecord } from '../calls/call-record.js';

type Key = [startMillis: number, id: string];
const DAY_MS = 24 * 3600 * 1000;

export interface RetentionOptions {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  /** DATADIR/recordings: nothing outside it is ever deleted. */
  recordingsDir: string;
  /** media.retentionDays; 0 keeps recordings forever. */
  retentionDays: number;
  /** How often to sweep; default hourly. */
  intervalMs?: number;
}

export interface SweepResult {
  /** Call records whose recording was deleted (status set to `deleted`). */
  calls: number;
  /** Files in DATADIR/recordings that no call record names, deleted for their age. */
  orphans: number;
}

/**
 * Recording retention (media.retentionDays): at start and then every hour,
 * deletes each recording older than the retention, and sets its call
 * record's `recording.status` to `deleted` (the rest of the record stays, as
 * does the history event: what was recorded, when, its checksum), auditing
 * each deletion (`call.recording.delete`, target `call:ID`, actor `system`).
 * A recording's age is its call's start, or its file's modification time when
 * older (whichever says older). Files under DATADIR/recordings that no call
 * record names are deleted by their modification time alone (audited with
 * target `recording:FILE`).
 */
export class RecordingRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepResult> | null = null;

  constructor(private readonly o: RetentionOptions) {}

  start(): void {
    if (this.o.retentionDays === 0 || this.timer) return;
    const run = (): void => void this.sweep().catch((err: unknown) => this.o.logger.warn({ err }, 'recording retention sweep failed'));
    run();
    this.timer = setInterval(run, this.o.intervalMs ?? 3600_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One sweep (one at a time: a sweep asked for while one runs gets that one). */
  sweep(now = new Date()): Promise<SweepResult> {
    if (!this.running) this.running = this.sweepOnce(now).finally(() => (this.running = null));
    return this.running;
  }

  private async sweepOnce(now: Date): Promise<SweepResult> {
    const result: SweepResult = { calls: 0, orphans: 0 };
    if (this.o.retentionDays === 0) return result;
    const cutoff = now.getTime() - this.o.retentionDays * DAY_MS;
    const root = path.resolve(this.o.recordingsDir);
    const inside = (file: string): boolean => path.resolve(file).startsWith(root + path.sep);
    const mtimes = new Map<string, number>();
    for (const name of await readdir(root).catch(() => [] as string[])) {
      const file = path.join(root, name);
      const st = await stat(file).catch(() => null);
      if (st?.isFile()) mtimes.set(file, st.mtimeMs);
    }
    const db = this.o.store.db<CallRecord, Key>('calls');
    const named = new Set<string>();
    const expired: Array<{ key: Key; id: string; file: string }> = [];
    for (const { key, value } of db.getRange()) {
      const file = value.recording?.file;
      if (!file || value.recording!.status === 'deleted') continue;
      const abs = path.resolve(file);
      named.add(abs);
      const age = Math.min((key as Key)[0], mtimes.get(abs) ?? Infinity);
      if (age < cutoff) expired.push({ key: key as Key, id: value.id, file: abs });
    }
    for (const e of expired) {
      // A record naming a file elsewhere (edited by hand, an old data directory) is left alone.
      if (!inside(e.file)) continue;
      await unlink(e.file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
      const done = await this.o.store.write(() => {
        const cur = db.get(e.key);
        if (!cur?.recording || cur.recording.status === 'deleted') return false;
        db.putSync(e.key, { ...cur, recording: { ...cur.recording, status: 'deleted' } });
        this.o.audit.append({ actor: 'system', action: 'call.recording.delete', target: `call:${e.id}`, details: { file: e.file, reason: 'retention', retentionDays: this.o.retentionDays } });
        return true;
      });
      if (done) result.calls++;
    }
    for (const [file, mtime] of mtimes) {
      if (named.has(file) || mtime >= cutoff) continue;
      // Possibly still being written by the media server? Not after retentionDays of silence.
      await unlink(file).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
      await this.o.audit.record({ actor: 'system', action: 'call.recording.delete', target: `recording:${path.basename(file)}`, details: { file, reason: 'retention', retentionDays: this.o.retentionDays, orphan: true } });
      result.orphans++;
    }
    if (result.calls || result.orphans) this.o.logger.info({ ...result, retentionDays: this.o.retentionDays }, 'recordings past retention deleted');
    return result;
  }
}
