import type { AsteriskBackend } from '../media/asterisk/asterisk-backend.js';
import { ASTERISK_SIP_CALL_ID } from '../media/asterisk/asterisk-backend.js';
import type { AmiMessage } from '../media/asterisk/ami-parser.js';
import { AnchoredMedia, type AnchoredMediaDeps } from './anchored-media.js';

export type AsteriskMediaDeps = AnchoredMediaDeps<AsteriskBackend>;

/**
 * Recorded calls anchored on Asterisk: the same two legs as on FreeSWITCH
 * (AnchoredMedia), sent to the `park` extension of the generated dialplan
 * (answer, wait), bridged with the AMI Bridge action and recorded with
 * MixMonitor on channel A. Each leg's channel is known from its AMI events:
 * the dialplan sets SWB_SIP_CALL_ID (the leg's SIP Call-ID) before Answer,
 * and the manager's channelvars carry it next to the Uniqueid (Newstate Up).
 */
export class AsteriskMedia extends AnchoredMedia<AsteriskBackend> {
  readonly name = 'asterisk' as const;
  readonly label = 'Asterisk';

  constructor(deps: AsteriskMediaDeps) {
    super(deps);
    // Newstate Up comes after the dialplan set SWB_SIP_CALL_ID; the backend, subscribed first, already knows the channel's name.
    const stateOf = (m: AmiMessage) => (m.name === 'Hangup' ? 'gone' : m.name === 'Newstate' && m.fields.ChannelState === '6' ? 'up' : null);
    deps.backend.ami.on('event', (m: AmiMessage) => this.leg(m.vars[ASTERISK_SIP_CALL_ID], m.fields.Uniqueid, stateOf(m)));
  }
}
