import { EventEmitter } from 'node:events';
import path from 'node:path';
import { SwitchboardError } from '../../../common/errors.js';
import { ChannelTracker } from '../tracker.js';
import { BUILTIN_ANNOUNCEMENT_HZ, BUILTIN_HOLD_HZ, type Announced, type AnchorTarget, type ChannelAnswered, type LinkState, type LinkStats, type MediaBackend, type MediaBackendEvents } from '../types.js';
import { EslConnection, type EslEvent, type EslOptions } from './esl-connection.js';

/**
 * FreeSWITCH as the media server: calls anchored on its loopback sofia
 * profile, recorded with `uuid_record` at answer, and the recording, the
 * hangup cause, the codec and MOS / jitter reported from its events:
 * CHANNEL_ANSWER, RECORD_START, RECORD_STOP (file closed; FreeSWITCH sends it
 * before CHANNEL_HANGUP_COMPLETE) and CHANNEL_HANGUP_COMPLETE (rtp_audio_in_*
 * statistics). After the event socket comes back, channels we were following
 * are checked with `uuid_exists`: one that ended while we were away has its
 * recording finalised from the file, since its RECORD_STOP went with the old
 * socket.
 */

export const FREESWITCH_EVENTS = ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_HANGUP_COMPLETE', 'RECORD_START', 'RECORD_STOP'];

/** The SIP header that carries the appliance's call id to the media server (and back in channel variables). */
export const CALL_HEADER = 'X-Switchboard-Call';

export interface FreeswitchBackendOptions {
  esl: Omit<EslOptions, 'events'>;
  /** The sofia profile's SIP address, where the B2BUA sends legs to anchor them. */
  sip: { host: string; port: number };
  /** Where uuid_record writes; FreeSWITCH must be able to write there, the appliance to read. */
  recordingsDir: string;
  /** Recording policy at answer: true starts uuid_record on the channel. */
  recordOnAnswer?: (ch: ChannelAnswered & { headers: Record<string, string> }) => boolean;
  /** How long to wait for a stopped recording's file to be whole. */
  settleMs?: number;
}

const num = (v: string | undefined): number | null => {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** A channel id as FreeSWITCH writes it: refuse anything that could smuggle a second argument into a command. */
function checkUuid(id: string): string {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new SwitchboardError('SWB_ERR_VALIDATION', `not a FreeSWITCH channel id: ${JSON.stringify(id)}`);
  return id;
}

export class FreeswitchBackend extends EventEmitter<MediaBackendEvents> implements MediaBackend {
  readonly name = 'freeswitch' as const;
  readonly esl: EslConnection;
  readonly tracker: ChannelTracker;
  /** Channel id -> the announcement waiting for its CHANNEL_BRIDGE (bridgeAnnounced). */
  private readonly bridgeWaiters = new Map<string, (ok: boolean) => void>();

  constructor(private readonly opts: FreeswitchBackendOptions) {
    super();
    this.esl = new EslConnection({ ...opts.esl, events: FREESWITCH_EVENTS });
    this.tracker = new ChannelTracker(
      'freeswitch',
      {
        recordingStarted: (r) => this.emit('recording-started', r),
        recordingStopped: (r) => this.emit('recording-stopped', r),
        callEnded: (v) => this.emit('call-ended', v),
      },
      opts.settleMs,
    );
    this.esl.on('event', (e) => this.onEvent(e));
    this.esl.on('state', (s) => this.onState(s));
  }

  start(): void {
    this.esl.start();
  }

  async close(): Promise<void> {
    await this.esl.close();
    await this.tracker.idle();
  }

  readiness(): 'ok' | 'down' {
    return this.esl.state === 'up' ? 'ok' : 'down';
  }

  stats(): LinkStats {
    return this.esl.stats();
  }

  anchorTarget(callId: string): AnchorTarget {
    return { uri: `sip:park@${this.opts.sip.host}:${this.opts.sip.port}`, headers: { [CALL_HEADER]: callId } };
  }

  async bridge(channelA: string, channelB: string): Promise<void> {
    await this.esl.api(`uuid_bridge ${checkUuid(channelA)} ${checkUuid(channelB)}`);
  }

  async startRecording(channelId: string, callId: string | null): Promise<string> {
    const file = path.join(this.opts.recordingsDir, `${checkUuid(channelId)}.wav`);
    this.tracker.channel(channelId, callId);
    await this.esl.api(`uuid_record ${channelId} start ${file}`);
    return file;
  }

  async stopRecording(channelId: string): Promise<void> {
    await this.esl.api(`uuid_record ${checkUuid(channelId)} stop all`);
  }

  /**
   * `uuid_broadcast ... both` after the bridge queues playback on channel A and on the one bridged to it; each
   * plays inside the bridge and the bridge carries on after. The built-in beep is a tone_stream
   * (mod_tone_stream): two 0.5 s beeps.
   */
  async bridgeAnnounced(channelA: string, channelB: string, file: string | null): Promise<Announced> {
    // uuid_bridge answers once the bridge is scheduled, not made: a broadcast sent at once can play before
    // the channels are joined and be cut off. CHANNEL_BRIDGE says they are.
    const joined = this.bridgeEvent(channelA, channelB, this.opts.esl.commandTimeoutMs ?? 5000);
    try {
      await this.bridge(channelA, channelB);
    } catch (err) {
      joined.cancel();
      throw err;
    }
    if (!(await joined.done)) return { announced: false, why: 'FreeSWITCH did not report the bridge' };
    // The api line is split on spaces: a path with one would be cut into two arguments.
    if (file !== null && !/^\/[^\s]+$/.test(file)) return { announced: false, why: `not a file FreeSWITCH can play: ${JSON.stringify(file)}` };
    const what = file ?? `tone_stream://%(500,500,${BUILTIN_ANNOUNCEMENT_HZ});loops=2`;
    try {
      await this.esl.api(`uuid_broadcast ${channelA} ${what} both`);
      return { announced: true };
    } catch (err) {
      return { announced: false, why: (err as Error).message };
    }
  }

  /**
   * FreeSWITCH plays a channel's `hold_music` to the channel bridged to it while that channel's phone holds
   * (a sendonly or inactive re-INVITE), looping, and stops at the resume. The built-in tune is a tone_stream.
   */
  async prepareHold(channelIds: string[], file: string | null): Promise<void> {
    if (file !== null && !/^\/[^\s]+$/.test(file)) throw new SwitchboardError('SWB_ERR_VALIDATION', `not a file FreeSWITCH can play: ${JSON.stringify(file)}`);
    const music = file ?? `tone_stream://%(500,250,${BUILTIN_HOLD_HZ[0]});%(500,250,${BUILTIN_HOLD_HZ[1]});loops=-1`;
    for (const id of channelIds) await this.esl.api(`uuid_setvar ${checkUuid(id)} hold_music ${music}`);
  }

  /** Resolves true on the CHANNEL_BRIDGE that joins a and b, false after timeoutMs (or once cancelled). */
  private bridgeEvent(a: string, b: string, timeoutMs: number): { done: Promise<boolean>; cancel(): void } {
    let finish!: (ok: boolean) => void;
    const done = new Promise<boolean>((resolve) => (finish = resolve));
    const end = (ok: boolean): void => {
      clearTimeout(timer);
      if (this.bridgeWaiters.get(a) === end) this.bridgeWaiters.delete(a);
      if (this.bridgeWaiters.get(b) === end) this.bridgeWaiters.delete(b);
      finish(ok);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    this.bridgeWaiters.set(a, end);
    this.bridgeWaiters.set(b, end);
    return { done, cancel: () => end(false) };
  }

  async hangup(channelId: string, cause = 'NORMAL_CLEARING'): Promise<void> {
    await this.esl.api(`uuid_kill ${checkUuid(channelId)} ${/^[A-Z_]+$/.test(cause) ? cause : 'NORMAL_CLEARING'}`);
  }

  private onEvent(e: EslEvent): void {
    const h = e.headers;
    if (e.name === 'CHANNEL_BRIDGE') {
      for (const id of [h['Unique-ID'], h['Bridge-A-Unique-ID'], h['Bridge-B-Unique-ID']]) if (id) this.bridgeWaiters.get(id)?.(true);
      return;
    }
    const channelId = h['Unique-ID'];
    if (!channelId) return;
    const callId = h[`variable_sip_h_${CALL_HEADER}`] ?? null;
    switch (e.name) {
      case 'CHANNEL_CREATE':
        this.tracker.channel(channelId, callId);
        return;
      case 'CHANNEL_ANSWER':
        if (this.tracker.answered(channelId, callId)) this.onAnswered({ backend: 'freeswitch', callId, channelId }, h);
        return;
      case 'RECORD_START':
        if (h['Record-File-Path']) this.tracker.recordingStarted(channelId, callId, h['Record-File-Path']);
        return;
      case 'RECORD_STOP':
        if (h['Record-File-Path']) void this.tracker.recordingStopped(channelId, callId, h['Record-File-Path'], num(h.variable_record_ms));
        return;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.tracker.channelEnded({
          channelId,
          callId,
          hangupCause: h['Hangup-Cause'] ?? h.variable_hangup_cause ?? null,
          q850: num(h.variable_hangup_cause_q850),
          codec: h['Channel-Read-Codec-Name'] ?? h.variable_read_codec ?? null,
          mos: num(h.variable_rtp_audio_in_mos),
          // FreeSWITCH reports jitter only as a variance of its own unit (rtp_audio_in_jitter_*_variance); MOS is its summary.
          jitterMs: null,
          lossPercent: num(h.variable_rtp_audio_in_jitter_loss_rate),
        });
        return;
    }
  }

  private onAnswered(a: ChannelAnswered, headers: Record<string, string>): void {
    this.emit('answered', a);
    if (!this.opts.recordOnAnswer?.({ ...a, headers })) return;
    this.startRecording(a.channelId, a.callId).catch(() => {
      // The link dropped or FreeSWITCH refused: the call goes on unrecorded; the B2BUA's policy flags the record.
    });
  }

  private onState(s: LinkState): void {
    this.emit('link', s);
    if (s === 'up') void this.reconcile();
  }

  /** After a reconnect: channels that ended while the link was down get their recordings finalised and their end reported. */
  private async reconcile(): Promise<void> {
    for (const ch of [...this.tracker.channels.values()]) {
      let exists: string;
      try {
        exists = await this.esl.api(`uuid_exists ${ch.channelId}`);
      } catch {
        return; // lost again; the next 'up' reconciles
      }
      if (exists.trim() !== 'false') continue;
      this.tracker.channelEnded({ channelId: ch.channelId, callId: ch.callId, hangupCause: null, q850: null, codec: null, mos: null, jitterMs: null, lossPercent: null });
    }
  }
}
