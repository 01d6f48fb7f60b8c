import { ASTERISK_CHANNEL_VARS } from '../../../sip/media/asterisk/asterisk-backend.js';

/**
 * A small generated configuration for Asterisk on loopback: what the tests and
 * lab mode run. Asterisk reads one file per concern from `astetcdir`; every
 * directory but the modules and the XML documentation (both in the read-only
 * prefix) points into one writable work directory.
 */

/** Debian 12 runtime packages of the upstream build (shared/peers/README.md). */
export const ASTERISK_RUNTIME_PACKAGES = ['libcurl4', 'libedit2', 'libjansson4', 'libltdl7', 'libodbc2', 'libpq5', 'libspeex1', 'libspeexdsp1', 'libsqlite3-0', 'libssl3', 'libsystemd0', 'libuuid1', 'libxml2', 'libxslt1.1', 'libicu72', 'libcap2', 'libvorbisfile3'];

export const ASTERISK_CONTEXT = 'switchboard';

export interface AsteriskConfigOptions {
  prefix: string;
  workDir: string;
  amiPort: number;
  amiUser: string;
  amiSecret: string;
  sipPort: number;
  rtpStartPort: number;
  rtpEndPort: number;
  /** Where dialplan-driven recordings (MixMonitor in the dialplan) are written. */
  recordingsDir: string;
}

/** The writable directories under workDir, by asterisk.conf key. */
export const ASTERISK_WRITABLE = { astetcdir: 'etc', astvarlibdir: 'varlib', astdbdir: 'db', astkeydir: 'keys', astagidir: 'agi', astspooldir: 'spool', astrundir: 'run', astlogdir: 'log', astcachedir: 'cache' } as const;

/** File name -> contents. */
export function asteriskConfigFiles(o: AsteriskConfigOptions): Record<string, string> {
  const dirs = Object.entries(ASTERISK_WRITABLE).map(([key, sub]) => `${key} => ${o.workDir}/${sub}`);
  return {
    'asterisk.conf': [
      '[directories]',
      ...dirs,
      `astmoddir => ${o.prefix}/lib/modules`,
      `astdatadir => ${o.prefix}/data`,
      `astsbindir => ${o.prefix}/sbin`,
      '[options]',
      'nocolor = yes',
      'transmit_silence = yes',
      'maxcalls = 2000',
      'hideconnect = yes',
      '',
    ].join('\n'),
    // autoload keeps the list short; what is left out is what would look for hardware or the network.
    'modules.conf': ['[modules]', 'autoload = yes', ...['chan_iax2.so', 'chan_unistim.so', 'chan_mgcp.so', 'chan_skinny.so', 'res_pjsip_phoneprov_provider.so', 'res_phoneprov.so', 'cdr_pgsql.so', 'cel_pgsql.so', 'res_config_pgsql.so', 'res_hep.so', 'res_hep_pjsip.so', 'res_hep_rtcp.so', 'pbx_dundi.so', 'res_calendar.so', 'cdr_radius.so', 'cel_radius.so', 'res_stun_monitor.so', 'res_ari.so', 'res_http_websocket.so'].map((m) => `noload => ${m}`), ''].join('\n'),
    'logger.conf': ['[general]', 'dateformat = %F %T.%3q', '[logfiles]', 'console => notice,warning,error', 'messages.log => notice,warning,error,verbose(3)', ''].join('\n'),
    'manager.conf': [
      '[general]',
      'enabled = yes',
      'bindaddr = 127.0.0.1',
      `port = ${o.amiPort}`,
      'displayconnects = no',
      // Carried on every event of a channel as ChanVariable: SWB_CALL (the call id from X-Switchboard-Call)
      // ties a channel to the appliance's call; MIXMONITOR_FILENAME names the recording.
      `channelvars = ${ASTERISK_CHANNEL_VARS.join(',')}`,
      `[${o.amiUser}]`,
      `secret = ${o.amiSecret}`,
      'deny = 0.0.0.0/0.0.0.0',
      'permit = 127.0.0.1/255.255.255.255',
      'read = system,call,log,verbose,command,agent,user,config,dtmf,reporting,cdr,dialplan',
      'write = system,call,command,agent,user,config,reporting,originate',
      // MixMonitor sets MIXMONITOR_FILENAME; carried on every event of the channel, it names the recording in MixMonitorStop.
      '',
    ].join('\n'),
    'rtp.conf': ['[general]', `rtpstart = ${o.rtpStartPort}`, `rtpend = ${o.rtpEndPort}`, ''].join('\n'),
    'pjsip.conf': [
      '[transport-udp]',
      'type = transport',
      'protocol = udp',
      `bind = 127.0.0.1:${o.sipPort}`,
      '[loopback]',
      'type = endpoint',
      `context = ${ASTERISK_CONTEXT}`,
      'disallow = all',
      'allow = ulaw,alaw',
      'direct_media = no',
      'rtp_symmetric = yes',
      'rewrite_contact = yes',
      '[loopback-identify]',
      'type = identify',
      'endpoint = loopback',
      'match = 127.0.0.1',
      '',
    ].join('\n'),
    'extensions.conf': [
      '[general]',
      'static = yes',
      'writeprotect = yes',
      `[${ASTERISK_CONTEXT}]`,
      // echo: answer and echo; the appliance starts MixMonitor itself over AMI at answer.
      'exten => echo,1,Set(SWB_CALL=${PJSIP_HEADER(read,X-Switchboard-Call)})',
      ' same => n,Answer()',
      ' same => n,Echo()',
      ' same => n,Hangup()',
      // record: MixMonitor from the dialplan, recording without the appliance.
      'exten => record,1,Set(SWB_CALL=${PJSIP_HEADER(read,X-Switchboard-Call)})',
      ' same => n,Answer()',
      ` same => n,MixMonitor(${o.recordingsDir}/\${UNIQUEID}.wav)`,
      ' same => n,Echo()',
      ' same => n,Hangup()',
      // park: a leg of a recorded call (sip/calls/asterisk-media.ts), bridged and recorded over AMI; SWB_SIP_CALL_ID names the leg.
      'exten => park,1,Set(SWB_CALL=${PJSIP_HEADER(read,X-Switchboard-Call)})',
      ' same => n,Set(SWB_SIP_CALL_ID=${CHANNEL(pjsip,call-id)})',
      ' same => n,Answer()',
      ' same => n,Wait(3600)',
      'exten => hangup-after-answer,1,Answer()',
      ' same => n,Hangup(16)',
      '',
    ].join('\n'),
  };
}
