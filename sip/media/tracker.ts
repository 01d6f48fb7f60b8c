import { recordingKey, settleRecording } from './recording-file.js';
import type { MediaBackendName, MediaCallView, RecordingResult } from './types.js';

/**
 * The per-channel bookkeeping both backends share, and the one place that
 * makes "exactly once" true. A media server may repeat an event (a duplicated
 * frame, a replay after reconnect), may never send one (it went out while the
 * link was down), or the appliance may find out the same thing twice (a stop
 * event and the hangup that follows, or a reconcile after reconnect). Every
 * outcome therefore goes through a claim on its key (the recording's file, the
 * channel's id) and is emitted only by the first claimant.
 */

/** A set that forgets its oldest entries beyond a bound, so a long-running box does not grow without end. */
export class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max = 50_000) {}
  /** True the first time a key is added; false when it was there already. */
  claim(key: string): boolean {
    if (this.items.has(key)) return false;
    this.items.add(key);
    if (this.items.size > this.max) this.items.delete(this.items.values().next().value as string);
    return true;
  }
  has(key: string): boolean {
    return this.items.has(key);
  }
}

export interface TrackedChannel {
  channelId: string;
  callId: string | null;
  answeredAt: string | null;
  recording: { file: string; startedAt: string } | null;
}

export interface TrackerSink {
  recordingStarted(r: { backend: MediaBackendName; callId: string | null; channelId: string; file: string }): void;
  recordingStopped(r: RecordingResult): void;
  callEnded(v: MediaCallView): void;
}

export class ChannelTracker {
  readonly channels = new Map<string, TrackedChannel>();
  private readonly started = new BoundedSet();
  private readonly stopped = new BoundedSet();
  private readonly ended = new BoundedSet();
  /** Finalisations in progress, so a test or a shutdown can wait for them. */
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly backend: MediaBackendName,
    private readonly sink: TrackerSink,
    /** How long to wait for a recording file to be closed after its stop. */
    private readonly settleMs = 3000,
  ) {}

  channel(channelId: string, callId?: string | null): TrackedChannel {
    let ch = this.channels.get(channelId);
    if (!ch) {
      ch = { channelId, callId: callId ?? null, answeredAt: null, recording: null };
      // A channel already ended (a duplicated late event) is not brought back to life.
      if (!this.ended.has(channelId)) this.channels.set(channelId, ch);
    }
    if (callId && !ch.callId) ch.callId = callId;
    return ch;
  }

  /** True the first time this channel is seen answered. */
  answered(channelId: string, callId: string | null): boolean {
    if (this.ended.has(channelId)) return false;
    const ch = this.channel(channelId, callId);
    if (ch.answeredAt) return false;
    ch.answeredAt = new Date().toISOString();
    return true;
  }

  recordingStarted(channelId: string, callId: string | null, file: string): void {
    const ch = this.channel(channelId, callId);
    if (!ch.recording || ch.recording.file !== file) ch.recording = { file, startedAt: new Date().toISOString() };
    if (this.stopped.has(file) || !this.started.claim(file)) return;
    this.sink.recordingStarted({ backend: this.backend, callId: ch.callId, channelId, file });
  }

  /** The recording's file is (or is about to be) closed: inspect it and report it, once per file. */
  recordingStopped(channelId: string, callId: string | null, file: string, reportedMs: number | null): Promise<void> {
    if (!this.stopped.claim(file)) return Promise.resolve();
    const ch = this.channels.get(channelId);
    const startedAt = ch?.recording?.file === file ? ch.recording.startedAt : null;
    if (ch?.recording?.file === file) ch.recording = null;
    const resolvedCallId = callId ?? ch?.callId ?? null;
    const work = settleRecording(file, this.settleMs).then((seen) => {
      this.sink.recordingStopped({
        backend: this.backend,
        key: recordingKey(this.backend, file),
        callId: resolvedCallId,
        channelId,
        file,
        ...seen,
        reportedMs,
        startedAt,
        stoppedAt: new Date().toISOString(),
      });
    });
    const tracked = work.finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
    return tracked;
  }

  /** The channel is gone: report the media server's view once, and close any recording whose stop never came. */
  channelEnded(view: Omit<MediaCallView, 'backend' | 'answeredAt' | 'endedAt' | 'callId'> & { callId: string | null }): void {
    const ch = this.channels.get(view.channelId);
    if (!this.ended.claim(view.channelId)) return;
    this.channels.delete(view.channelId);
    if (ch?.recording) void this.recordingStopped(view.channelId, ch.callId, ch.recording.file, null);
    this.sink.callEnded({ ...view, backend: this.backend, callId: view.callId ?? ch?.callId ?? null, answeredAt: ch?.answeredAt ?? null, endedAt: new Date().toISOString() });
  }

  /** Resolves once every recording being finalised has been reported. */
  async idle(): Promise<void> {
    while (this.settling.size) await Promise.all([...this.settling]);
  }
}
