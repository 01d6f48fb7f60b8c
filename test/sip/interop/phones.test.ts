import path from 'node:path';
import t, { type Test } from 'tap';
import { tempDir } from '../../helpers/appliance.js';
import { sipAppliance, startDrachtio, waitFor } from '../../helpers/sip.js';
import { wavToneShare, writeToneWav } from '../../helpers/wav.js';
import { Baresip } from '../../helpers/phones/baresip.js';
import { endedCall, hears } from '../../helpers/phones/calls.js';
import { Linphone } from '../../helpers/phones/linphone.js';
import { AsteriskPhone } from '../../helpers/phones/asterisk-phone.js';
import type { PhoneAccount } from '../../helpers/phones/account.js';
import type { Appliance } from '../../../appliance/app.js';

/*
 * Three independent SIP stacks from Debian and the peers, as a new user would
 * point them at the box with its default configuration: baresip (libre),
 * linphonec (belle-sip) and Asterisk's PJSIP (pjproject) as a client. Each
 * registers over UDP and over TCP; calls between them carry a tone each way,
 * checked by frequency in the WAV each phone wrote of what it received.
 */
const drachtio = await startDrachtio(t, { tcp: true });
const target = `127.0.0.1:${drachtio.sipPort}`;

const ACCOUNTS: Record<string, PhoneAccount & { hz: number }> = {
  baresipUdp: { number: '201', password: 'pw-201-secret', transport: 'udp', hz: 440 },
  baresipTcp: { number: '202', password: 'pw-202-secret', transport: 'tcp', hz: 550 },
  linphoneUdp: { number: '203', password: 'pw-203-secret', transport: 'udp', hz: 700 },
  linphoneTcp: { number: '204', password: 'pw-204-secret', transport: 'tcp', hz: 1000 },
  asteriskUdp: { number: '205', password: 'pw-205-secret', transport: 'udp', hz: 1200 },
  asteriskTcp: { number: '206', password: 'pw-206-secret', transport: 'tcp', hz: 1400 },
};

// `sip: {auth: {}}` undoes the test helper's explicit algorithms: these phones meet the shipped defaults.
const { app } = await sipAppliance(t, drachtio, {
  sip: { auth: {} },
  extensions: Object.values(ACCOUNTS).map(({ number, password }) => ({ number, password, name: `Phone ${number}` })),
});
const dir = await tempDir(t, 'swb-interop-');
const tone = (a: { hz: number }): string => {
  const file = path.join(dir, `tone-${a.hz}.wav`);
  writeToneWav(file, a.hz, 20);
  return file;
};
const start = (a: PhoneAccount & { hz: number }, autoAnswer = true) => ({ target, account: a, tone: tone(a), autoAnswer });

const phones = {
  baresipUdp: await Baresip.start(t, start(ACCOUNTS.baresipUdp!)),
  baresipTcp: await Baresip.start(t, start(ACCOUNTS.baresipTcp!)),
  linphoneUdp: await Linphone.start(t, start(ACCOUNTS.linphoneUdp!)),
  linphoneTcp: await Linphone.start(t, start(ACCOUNTS.linphoneTcp!)),
  asteriskUdp: await AsteriskPhone.start(t, start(ACCOUNTS.asteriskUdp!)),
  asteriskTcp: await AsteriskPhone.start(t, start(ACCOUNTS.asteriskTcp!)),
};

function bindingOf(a: PhoneAccount): { userAgent: string | null; received: string } | undefined {
  return app.sip.bindings.contactsOf(a.number)[0];
}

t.test('with the default challenge, baresip, linphonec and Asterisk PJSIP each register over UDP and over TCP', async (t) => {
  await Promise.all([phones.baresipUdp.registered(), phones.baresipTcp.registered(), phones.linphoneUdp.registered(), phones.linphoneTcp.registered(), phones.asteriskUdp.registered(), phones.asteriskTcp.registered()]);
  const agents: Record<string, RegExp> = { baresip: /^baresip/, linphone: /^Linphonec?\//i, asterisk: /^Asterisk/ };
  for (const [name, a] of Object.entries(ACCOUNTS)) {
    const b = bindingOf(a);
    t.ok(b, `${name} (${a.number}) is bound`);
    t.match(b?.userAgent, agents[name.replace(/(Udp|Tcp)$/, '')]!, `${name}'s own user agent`);
    t.ok(b?.received.startsWith(`${a.transport}/`), `${name} registered over ${a.transport}: ${b?.received}`);
  }
});

/** The one answered call between these extensions, once ended. */


t.test('baresip over UDP calls linphonec over TCP through the box: each hears the other', async (t) => {
  const [caller, callee] = [ACCOUNTS.baresipUdp!, ACCOUNTS.linphoneTcp!];
  await phones.baresipUdp.command('dial', callee.number);
  await phones.baresipUdp.event('CALL_ESTABLISHED');
  await phones.linphoneTcp.saw(/Media streams established/);
  await new Promise((r) => setTimeout(r, 4500));
  await phones.baresipUdp.command('hangup');
  await phones.linphoneTcp.saw(/ended/);
  const call = await endedCall(app, caller.number, callee.number);
  t.match(call, { direction: 'internal', outcome: 'answered', endReason: 'caller' });
  hears(t, phones.baresipUdp.receivedWav(), callee.hz, caller.hz, 'baresip');
  hears(t, phones.linphoneTcp.receivedWav, caller.hz, callee.hz, 'linphonec');
});

t.test('Asterisk PJSIP over TCP calls baresip over TCP through the box: each hears the other', async (t) => {
  const [caller, callee] = [ACCOUNTS.asteriskTcp!, ACCOUNTS.baresipTcp!];
  phones.asteriskTcp.dial(callee.number);
  await phones.baresipTcp.event('CALL_ESTABLISHED');
  await new Promise((r) => setTimeout(r, 4500));
  await phones.baresipTcp.command('hangup');
  const call = await endedCall(app, caller.number, callee.number);
  t.match(call, { direction: 'internal', outcome: 'answered', endReason: 'callee' });
  await waitFor(() => !/PJSIP\/box/.test(phones.asteriskTcp.cli('core show channels')), 10_000, 'Asterisk to close its channel (and the recording)');
  hears(t, phones.baresipTcp.receivedWav(), caller.hz, callee.hz, 'baresip');
  hears(t, phones.asteriskTcp.receivedWav, callee.hz, caller.hz, 'Asterisk');
});
