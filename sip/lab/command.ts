import type { Command } from 'commander';
import { SwitchboardError } from '../../appliance/errors.js';
import { startLab } from './lab.js';

/** `switchboard lab [--sip-port N] [--no-media]`: see lab.ts and the README's "Lab mode". */
export function labCommands(program: Command): void {
  program
    .command('lab')
    .description('run drachtio-server (DRACHTIO_BIN or PATH), FreeSWITCH (recording every extension) and the appliance on loopback, for trying phones by hand')
    .option('--sip-port <port>', 'UDP and TCP port for SIP on 127.0.0.1', '5060')
    .option('--no-media', 'do not start FreeSWITCH (FREESWITCH_PREFIX or ../shared/peers/freeswitch): calls go phone to phone, unrecorded')
    .action(async (opts: { sipPort: string; media: boolean }) => {
      const sipPort = Number(opts.sipPort);
      if (!Number.isInteger(sipPort) || sipPort < 1 || sipPort > 65535) throw new SwitchboardError('SWB_ERR_VALIDATION', `--sip-port: got ${JSON.stringify(opts.sipPort)}, expected a port 1..65535`);
      const lab = await startLab({ sipPort, media: opts.media });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void lab.stop().finally(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
