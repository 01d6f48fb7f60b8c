import type { Command } from 'commander';
import { SwitchboardError } from '../common/errors.js';
import { startLab } from './lab.js';
import { LAB_MEDIA_KINDS, type LabMediaKind } from './lab-media.js';

/** `switchboard lab [--sip-port N] [--media freeswitch|asterisk|none] [--no-media]`: see lab.ts and the README's "Lab mode". */
export function labCommands(program: Command): void {
  program
    .command('lab')
    .description('run drachtio-server (DRACHTIO_BIN or PATH), a media server recording every extension (FreeSWITCH or Asterisk) and the appliance on loopback, for trying phones by hand')
    .option('--sip-port <port>', 'UDP and TCP port for SIP on 127.0.0.1', '5060')
    .option('--media <server>', `the media server that records the calls: ${LAB_MEDIA_KINDS.join(', ')} (FREESWITCH_PREFIX or ASTERISK_PREFIX, else ../shared/peers/<server>)`, 'freeswitch')
    .option('--no-media', 'the same as --media none: no media server, calls go phone to phone, unrecorded')
    .action(async (opts: { sipPort: string; media: string | boolean }) => {
      const sipPort = Number(opts.sipPort);
      if (!Number.isInteger(sipPort) || sipPort < 1 || sipPort > 65535) throw new SwitchboardError('SWB_ERR_VALIDATION', `--sip-port: got ${JSON.stringify(opts.sipPort)}, expected a port 1..65535`);
      // commander gives --no-media as media: false on the same option name.
      const media = opts.media === false ? 'none' : opts.media;
      if (!LAB_MEDIA_KINDS.includes(media as LabMediaKind)) throw new SwitchboardError('SWB_ERR_VALIDATION', `--media: got ${JSON.stringify(media)}, expected one of ${LAB_MEDIA_KINDS.join(', ')}`);
      const lab = await startLab({ sipPort, media: media as LabMediaKind });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void lab.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
