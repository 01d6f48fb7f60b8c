import { EventEmitter } from 'node:events';
import path from 'node:path';
import { SwitchboardError } from '../../../common/errors.js';
import { ChannelTracker } from '../tracker.js';
import { ensureBeepWav } from '../beep-wav.js';
import type { Announced, AnchorTarget, ChannelAnswered, LinkState, LinkStats, MediaBackend, MediaBackendEvents } from '../types.js';
import { AmiConnection, type AmiOptions } from './ami-connection.js';
import type { AmiMessage } from './ami-parser.js';

/**
 * Asterisk as the media server: calls sent to it over SIP (chan_pjsip),
 * recorded with the MixMonitor action at answer, and reported from AMI
 * events: Newchannel, Newstate (Up = answered), MixMonitorStart, MixMonitorStop
 * (only when recording is stopped on purpose), HangupRequest and Hangup.
 * Asterisk sends no MixMonitorStop when a recorded channel hangs up, and it
 * closes the WAV in the MixMonitor thread after the Hangup event, so a
 * recording still open at Hangup is finalised from its file once the header is
 * whole (tracker + settleRecording). The manager user's `channelvars` carry
 * SWB_CALL (set by the dialplan from X-Switchboard-Call), MIXMONITOR_FILENAME,
 * the codec and the RTP QoS figures on every event of the channel.
 */

/**
 * The SIP Call-ID of a pjsip channel, set by the `park` dialplan from CHANNEL(pjsip,call-id): ties a leg
 * the B2BUA sent to its Uniqueid (sip/calls/asterisk-media.ts). A plain variable: CHANNEL(pjsip,...) itself
 * in channelvars deadlocks the AMI Bridge action (it is evaluated while the channel is being moved).
 */
export const ASTERISK_SIP_CALL_ID = 'SWB_SIP_CALL_ID';

export const ASTERISK_CHANNEL_VARS = ['MIXMONITOR_FILENAME', 'SWB_CALL', 'RTPAUDIOQOSJITTER', 'CHANNEL(audioreadformat)', ASTERISK_SIP_CALL_ID];

export interface AsteriskBackendOptions {
  ami: Omit<AmiOptions, 'events'>;
  sip: { host: string; port: number };
  recordingsDir: string;
  recordOnAnswer?: (ch: ChannelAnswered & { vars: Record<string, string> }) => boolean;
  settleMs?: number;
}

/** avgrxjitter from RTPAUDIOQOSJITTER ("minrxjitter=…;avgrxjitter=000.000262;…"), in seconds, as ms. */
function avgJitterMs(qos: string | undefined): number | null {
  const m = /avgrxjitter=([\d.]+)/.exec(qos ?? '');
  return m ? Math.round(Number(m[1]) * 1e6) / 1000 : null;
}

export class AsteriskBackend extends EventEmitter<MediaBackendEvents> implements MediaBackend {
  readonly name = 'asterisk' as const;
  readonly ami: AmiConnection;
  readonly tracker: ChannelTracker;
  /** Uniqueid -> channel name (PJSIP/loopback-00000001): actions address channels by name. */
  private readonly names = new Map<string, string>();
  /** Uniqueid -> the first non-zero cause of a HangupRequest: a Hangup after a BYE says 0 here. */
  private readonly causes = new Map<string, { code: number; text: string | null }>();

  constructor(private readonly opts: AsteriskBackendOptions) {
    super();
    this.ami = new AmiConnection({ ...opts.ami, events: 'call,system,user' });
    this.tracker = new ChannelTracker(
      'asterisk',
      {
        recordingStarted: (r) => this.emit('recording-started', r),
        recordingStopped: (r) => this.emit('recording-stopped', r),
        callEnded: (v) => this.emit('call-ended', v),
      },
      opts.settleMs,
    );
    this.ami.on('event', (m) => this.onEvent(m));
    this.ami.on('state', (s) => this.onState(s));
  }

  start(): void {
    this.ami.start();
  }

  async close(): Promise<void> {
    await this.ami.close();
    await this.tracker.idle();
  }

  readiness(): 'ok' | 'down' {
    return this.ami.state === 'up' ? 'ok' : 'down';
  }

  stats(): LinkStats {
    return this.ami.stats();
  }

  anchorTarget(callId: string): AnchorTarget {
    return { uri: `sip:park@${this.opts.sip.host}:${this.opts.sip.port}`, headers: { 'X-Switchboard-Call': callId } };
  }

  private channelName(channelId: string): string {
    const name = this.names.get(channelId);
    if (!name) throw new SwitchboardError('SWB_ERR_NOT_FOUND', `no Asterisk channel ${channelId}`);
    return name;
  }

  async bridge(channelA: string, channelB: string): Promise<void> {
    await this.ami.action({ Action: 'Bridge', Channel1: this.channelName(channelA), Channel2: this.channelName(channelB), Tone: 'no' });
  }

  async startRecording(channelId: string, callId: string | null): Promise<string> {
    if (!/^[0-9.]+$/.test(channelId)) throw new SwitchboardError('SWB_ERR_VALIDATION', `not an Asterisk Uniqueid: ${JSON.stringify(channelId)}`);
    const file = path.join(this.opts.recordingsDir, `${channelId}.wav`);
    this.tracker.channel(channelId, callId);
    await this.ami.action({ Action: 'MixMonitor', Channel: this.channelName(channelId), File: file });
    // MixMonitorStart carries the file too; noting it here covers a start event lost with the link.
    this.tracker.recordingStarted(channelId, callId, file);
    return file;
  }

  async stopRecording(channelId: string): Promise<void> {
    await this.ami.action({ Action: 'StopMixMonitor', Channel: this.channelName(channelId) });
  }

  /**
   * AMI has no Playback action. The Bridge action plays each channel's `xfersound` feature to it as it joins
   * (Tone: Both), so the announcement is set as FEATURE(xfersound) on both channels first. Bridging again
   * later to play it does not work: the old two-party bridge dissolves as the first channel leaves it and
   * the second is then "Unable to add". The built-in beep is a WAV written beside the recordings (Asterisk
   * ships no tone it could play here). A MixMonitor started before the Bridge stays with its channel.
   */
  async bridgeAnnounced(channelA: string, channelB: string, file: string | null): Promise<Announced> {
    const [nameA, nameB] = [this.channelName(channelA), this.channelName(channelB)];
    let result: Announced = { announced: true };
    try {
      // Asterisk names sounds without their extension and picks the format it finds.
      const sound = (file ?? ensureBeepWav(path.dirname(this.opts.recordingsDir))).replace(/\.wav$/i, '');
      for (const name of [nameA, nameB]) await this.ami.action({ Action: 'Setvar', Channel: name, Variable: 'FEATURE(xfersound)', Value: sound });
    } catch (err) {
      result = { announced: false, why: (err as Error).message };
    }
    await this.ami.action({ Action: 'Bridge', Channel1: nameA, Channel2: nameB, Tone: result.announced ? 'Both' : 'no' });
    return result;
  }

  /**
   * Nothing to do over AMI: a PJSIP channel whose bridged peer holds plays its music-on-hold class itself
   * (moh_passthrough off, the default), and classes live in the server's musiconhold.conf (the `default`
   * class playing media.musicOnHold.file, as lab/media/asterisk/server-config.ts writes it).
   */
  async prepareHold(): Promise<void> {}

  async hangup(channelId: string, cause = '16'): Promise<void> {
    await this.ami.action({ Action: 'Hangup', Channel: this.channelName(channelId), Cause: /^\d+$/.test(cause) ? cause : '16' });
  }

  private onEvent(m: AmiMessage): void {
    const channelId = m.fields.Uniqueid;
    if (!channelId) return;
    const callId = m.vars.SWB_CALL || null;
    if (m.fields.Channel && m.name !== 'Hangup') this.names.set(channelId, m.fields.Channel);
    switch (m.name) {
      case 'Newchannel':
        this.tracker.channel(channelId, callId);
        return;
      case 'Newstate':
        if (m.fields.ChannelState === '6' && this.tracker.answered(channelId, callId)) this.onAnswered({ backend: 'asterisk', callId, channelId }, m.vars);
        return;
      case 'MixMonitorStart':
        if (m.vars.MIXMONITOR_FILENAME) this.tracker.recordingStarted(channelId, callId, m.vars.MIXMONITOR_FILENAME);
        return;
      case 'MixMonitorStop':
        if (m.vars.MIXMONITOR_FILENAME) void this.tracker.recordingStopped(channelId, callId, m.vars.MIXMONITOR_FILENAME, null);
        return;
      case 'HangupRequest':
      case 'SoftHangupRequest': {
        const code = Number(m.fields.Cause);
        if (code > 0 && !this.causes.has(channelId)) this.causes.set(channelId, { code, text: null });
        return;
      }
      case 'Hangup': {
        const own = Number(m.fields.Cause);
        const cause = own > 0 ? { code: own, text: m.fields['Cause-txt'] ?? null } : (this.causes.get(channelId) ?? null);
        // A MixMonitor started from the dialplan that we never saw start: its file is named on the Hangup too.
        const file = m.vars.MIXMONITOR_FILENAME;
        if (file && !this.tracker.channels.get(channelId)?.recording) this.tracker.recordingStarted(channelId, callId, file);
        this.tracker.channelEnded({
          channelId,
          callId,
          hangupCause: cause?.text ?? (cause ? `cause ${cause.code}` : null),
          q850: cause?.code ?? null,
          codec: m.vars['CHANNEL(audioreadformat)'] || null,
          mos: null,
          jitterMs: avgJitterMs(m.vars.RTPAUDIOQOSJITTER),
          lossPercent: null,
        });
        this.names.delete(channelId);
        this.causes.delete(channelId);
        return;
      }
    }
  }

  private onAnswered(a: ChannelAnswered, vars: Record<string, string>): void {
    this.emit('answered', a);
    if (!this.opts.recordOnAnswer?.({ ...a, vars })) return;
    this.startRecording(a.channelId, a.callId).catch(() => {
      // Link lost or refused: the call goes on unrecorded; the B2BUA's policy flags the record.
    });
  }

  private onState(s: LinkState): void {
    this.emit('link', s);
    if (s === 'up') void this.reconcile();
  }

  /** After a reconnect: channels Asterisk no longer has ended while the link was down. */
  private async reconcile(): Promise<void> {
    if (!this.tracker.channels.size) return;
    let alive: Set<string>;
    try {
      const reply = await this.ami.action({ Action: 'CoreShowChannels' });
      alive = new Set(reply.events.map((e) => e.fields.Uniqueid ?? ''));
    } catch {
      return;
    }
    for (const ch of [...this.tracker.channels.values()]) {
      if (alive.has(ch.channelId)) continue;
      this.tracker.channelEnded({ channelId: ch.channelId, callId: ch.callId, hangupCause: null, q850: null, codec: null, mos: null, jitterMs: null, lossPercent: null });
      this.names.delete(ch.channelId);
    }
  }
}
