/**
 * A small one-file freeswitch.xml for FreeSWITCH on loopback: what the tests
 * and lab mode run. Upstream's vanilla configuration looks for STUN on its
 * IPv4 profiles and takes about 16 s to open the event socket here; this one
 * loads ten modules and boots in a few seconds (../shared/peers/README.md).
 */

/** Modules the media layer needs: ESL, SIP, dialplan apps, WAV writing, tones. */
export const FREESWITCH_MODULES = ['mod_console', 'mod_logfile', 'mod_event_socket', 'mod_sofia', 'mod_commands', 'mod_dptools', 'mod_dialplan_xml', 'mod_sndfile', 'mod_native_file', 'mod_tone_stream'];

/** Debian 12 runtime packages of the upstream build (shared/peers/README.md). */
export const FREESWITCH_RUNTIME_PACKAGES = ['libcurl4', 'libedit2', 'libjpeg62-turbo', 'libltdl7', 'libodbc2', 'libopus0', 'libpcre3', 'libsndfile1', 'libspeex1', 'libspeexdsp1', 'libsqlite3-0', 'libtiff6', 'libssl3', 'libuuid1'];

/** The dialplan context calls from the appliance (and tests) land in. */
export const FREESWITCH_CONTEXT = 'switchboard';

export interface FreeswitchConfigOptions {
  eslPort: number;
  eslPassword: string;
  sipPort: number;
  rtpStartPort: number;
  rtpEndPort: number;
  /** Where dialplan-driven recordings (record_session) are written. */
  recordingsDir: string;
  logFile: string;
  /** The sofia profile's name; drachtio-fsmrf's default would be drachtio_mrf. */
  profile?: string;
}

const x = (s: string | number): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const param = (name: string, value: string | number): string => `<param name="${x(name)}" value="${x(value)}"/>`;

/**
 * The dialplan, by destination number:
 * - `echo`: answer and echo RTP back; the appliance starts recording itself (uuid_record) at answer.
 * - `park`: answer and park; the appliance bridges or records.
 * - `record`: answer, record_session into recordingsDir/<uuid>.wav, echo: recording without the appliance.
 * - `hangup-after-answer`: answer, then hang up at once (a call too short to record much).
 */
function dialplan(o: FreeswitchConfigOptions): string {
  const ext = (name: string, actions: Array<[string, string?]>): string =>
    `<extension name="${name}"><condition field="destination_number" expression="^${name}$">${actions
      .map(([app, data]) => `<action application="${app}"${data === undefined ? '' : ` data="${x(data)}"`}/>`)
      .join('')}</condition></extension>`;
  return [
    ext('echo', [['answer'], ['echo']]),
    ext('park', [['answer'], ['park']]),
    ext('record', [['answer'], ['set', 'RECORD_STEREO=false'], ['record_session', `${o.recordingsDir}/\${uuid}.wav`], ['echo']]),
    ext('hangup-after-answer', [['answer'], ['hangup', 'NORMAL_CLEARING']]),
  ].join('\n      ');
}

export function freeswitchConfigXml(o: FreeswitchConfigOptions): string {
  const profile = o.profile ?? FREESWITCH_CONTEXT;
  return `<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration">
    <configuration name="switch.conf"><settings>
      ${param('rtp-start-port', o.rtpStartPort)}${param('rtp-end-port', o.rtpEndPort)}
      ${param('max-sessions', 2000)}${param('sessions-per-second', 500)}${param('loglevel', 'info')}
      ${param('dump-cores', 'no')}${param('rtp-enable-zrtp', 'false')}
    </settings></configuration>
    <configuration name="modules.conf"><modules>
      ${FREESWITCH_MODULES.map((m) => `<load module="${m}"/>`).join('')}
    </modules></configuration>
    <configuration name="console.conf"><mappings><map name="all" value="console,debug,info,notice,warning,err,crit,alert"/></mappings><settings>${param('colorize', 'false')}${param('loglevel', 'info')}</settings></configuration>
    <configuration name="logfile.conf"><settings>${param('rotate-on-hup', 'true')}</settings><profiles><profile name="default"><settings>${param('logfile', o.logFile)}${param('rollover', 10485760)}</settings>
      <mappings><map name="all" value="info,notice,warning,err,crit,alert"/></mappings></profile></profiles></configuration>
    <configuration name="event_socket.conf"><settings>
      ${param('nat-map', 'false')}${param('listen-ip', '127.0.0.1')}${param('listen-port', o.eslPort)}${param('password', o.eslPassword)}
    </settings></configuration>
    <configuration name="sofia.conf"><global_settings>${param('log-level', 0)}</global_settings><profiles>
      <profile name="${x(profile)}"><settings>
        ${param('sip-ip', '127.0.0.1')}${param('sip-port', o.sipPort)}${param('rtp-ip', '127.0.0.1')}
        ${param('ext-sip-ip', '127.0.0.1')}${param('ext-rtp-ip', '127.0.0.1')}
        ${param('auth-calls', 'false')}${param('accept-blind-reg', 'false')}
        ${param('context', FREESWITCH_CONTEXT)}${param('dialplan', 'XML')}
        ${param('codec-prefs', 'PCMU,PCMA')}${param('inbound-codec-negotiation', 'generous')}
        ${param('rtp-timer-name', 'soft')}${param('dtmf-type', 'rfc2833')}${param('manage-presence', 'false')}
        ${param('inbound-late-negotiation', 'false')}${param('rtp-timeout-sec', 300)}
      </settings></profile>
    </profiles></configuration>
  </section>
  <section name="dialplan">
    <context name="${FREESWITCH_CONTEXT}">
      ${dialplan(o)}
    </context>
  </section>
</document>
`;
}
