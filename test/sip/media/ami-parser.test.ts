import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AmiParser, type AmiFrame } from '../../../sip/media/asterisk/ami-parser.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Captured from the real Asterisk 22: login, then a SIPp call answered, recorded by MixMonitor in the dialplan, hung up. */
const CAPTURE = readFileSync(path.join(ROOT, 'test', 'fixtures', 'ami', 'call-recorded-by-dialplan-then-hung-up.txt'));

const names = (frames: AmiFrame[]): string[] => frames.map((f) => (f.kind === 'message' ? `${f.message.type}:${f.message.name}` : f.kind));

t.test('the captured AMI session parses into its greeting, login response and events, with the channel variables', async (t) => {
  const frames = new AmiParser().push(CAPTURE);
  t.same(names(frames).slice(0, 4), ['greeting', 'response:Success', 'event:FullyBooted', 'event:Newchannel']);
  t.ok(names(frames).includes('event:MixMonitorStart') && names(frames).includes('event:Hangup'));
  const hangup = frames.find((f) => f.kind === 'message' && f.message.name === 'Hangup');
  t.match(hangup, { message: { fields: { Uniqueid: /^\d+\.\d+$/, Cause: '0' }, vars: { SWB_CALL: /@127\.0\.0\.1$/, MIXMONITOR_FILENAME: /^@RECORDINGS@\/.+\.wav$/, 'CHANNEL(audioreadformat)': 'alaw' } } });
  t.notOk(frames.some((f) => f.kind === 'garbage'), 'nothing in a real session is garbage');
});

t.test('a session read one byte at a time parses exactly as read whole', async (t) => {
  const whole = new AmiParser().push(CAPTURE);
  const parser = new AmiParser();
  const bytewise: AmiFrame[] = [];
  for (let i = 0; i < CAPTURE.length; i++) bytewise.push(...parser.push(CAPTURE.subarray(i, i + 1)));
  t.same(bytewise, whole);
});

t.test('garbage is reported as garbage, never thrown, whatever its shape', async (t) => {
  const start = (): AmiParser => {
    const p = new AmiParser();
    p.push(Buffer.from('Asterisk Call Manager/11.0.0\r\n'));
    return p;
  };
  t.same(names(start().push(Buffer.from('no colon here\r\n\r\n'))), ['garbage']);
  t.same(names(start().push(Buffer.from('Key: but neither Response nor Event\r\n\r\n'))), ['garbage']);
  t.same(names(start().push(Buffer.alloc(300 * 1024, 0x41))), ['garbage'], 'an endless message is cut off');
  t.same(names(new AmiParser().push(Buffer.from('SSH-2.0-OpenSSH\r\n'))), ['garbage'], 'a wrong greeting');
});
