import t, { type Test } from 'tap';
import { bearer } from '../../helpers/appliance.js';
import { registerPhone, sipp, sippPhone, startDrachtio, waitFor } from '../../helpers/sip.js';
import { startTestFreeswitch } from '../../helpers/freeswitch.js';
import { startTestAsterisk } from '../../helpers/asterisk.js';
import { eslReply, FaultProxy, type Framing } from '../../helpers/fault-proxy.js';
import { collect } from '../../helpers/media-wait.js';
import { RECORDED, recordedAppliance, supervisor, theCall } from '../../helpers/recorded-calls.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import type { FreeswitchBackend } from '../../../sip/media/freeswitch/freeswitch-backend.js';
import type { AsteriskBackend } from '../../../sip/media/asterisk/asterisk-backend.js';
import type { MediaBackend, MediaCallView } from '../../../sip/media/types.js';

/*
 * A media failure at answer, end to end: a provider's call to 102 (record:
 * true) is anchored on the real media server, the phone answers, and the
 * bridge of the two media server channels fails. The appliance's control link
 * goes through a fault proxy that makes the failure (the server's own refusal,
 * or no reply at all). The call must end cleanly: the provider gets 500, the
 * phone a BYE, the media server is left with no channel, the record says
 * media-error, and nothing is left running.
 */
const drachtio = await startDrachtio(t);
const target = `127.0.0.1:${drachtio.sipPort}`;

interface Rig {
  framing: Framing;
  port: number;
  /** The `media:` section, given the port the appliance's control link must use (the proxy's). */
  media(linkPort: number): Record<string, unknown>;
  /** How many channels the media server still has. */
  channels(backend: MediaBackend): Promise<number>;
  /** What the phone is offered when the call is anchored there. */
  mark: RegExp;
}

async function failingBridge(t: Test, rig: Rig, fault: (proxy: FaultProxy) => { hits: number }): Promise<void> {
  const proxy = await FaultProxy.start({ host: '127.0.0.1', port: rig.port }, rig.framing);
  t.teardown(() => proxy.close());
  const trunkPort = await freePort();
  const { app, logs } = await recordedAppliance(t, drachtio, trunkPort, rig.media(proxy.port));
  const backend = app.media!;
  await waitFor(() => backend.readiness() === 'ok', 10_000, 'the control link');
  const rule = fault(proxy);
  const sup = await supervisor(app);
  const ended = collect<MediaCallView>(backend, 'call-ended');

  const port = await freePort();
  const phone = sippPhone(t, 'phone-answers.xml', { target, port, service: RECORDED.number, pauseMs: 100, timeoutSeconds: 30 });
  await registerPhone(target, RECORDED, port);
  const provider = await sipp('trunk-call-in-answered-fails-500.xml', { target, port: trunkPort, keys: { caller: '89123456789', dialled: '74951112233' }, timeoutSeconds: 30 });
  t.equal(provider.code, 0, `the provider got 500 and ACKed it: ${provider.errors}`);
  const seen = await phone;
  t.equal(seen.code, 0, `the phone answered, then got a BYE: ${seen.errors}`);
  t.match(seen.messages, rig.mark, 'the call was anchored on the media server');
  t.equal(rule.hits, 1, 'the bridge command was the one that failed');

  const call = await theCall(app, sup, (c) => c.state === 'ended', 'the ended call');
  t.match(call, { direction: 'in', outcome: 'failed', sipCause: 500, endReason: 'media-error', answer: null, recording: null });
  t.ok(logs.records().some((l) => l.msg === 'media step at answer failed' && l.call === call.id && l.level === 50), 'the failure is logged as an error');
  await waitFor(() => backend.readiness() === 'ok', 10_000, 'the control link');
  await waitFor(async () => (await rig.channels(backend)) === 0, 10_000, 'the media server to have no channel left');
  await waitFor(() => ended.filter((v) => v.callId === call.id).length === 2, 10_000, 'both media server legs of the call to end');
  t.equal(app.sip.active.size, 0, 'no call left in progress');
  const history = (await app.http.inject({ url: `/api/v1/clients/${call.clientId as string}/history`, headers: bearer(sup) })).json().items as Array<Record<string, unknown>>;
  t.match(history, [{ kind: 'call', payload: { outcome: 'failed', sipCause: 500, callId: call.id } }], "the failed call is in the caller's history");
}

t.test('FreeSWITCH', async (t) => {
  const fs = await startTestFreeswitch(t);
  const rig: Rig = {
    framing: 'esl',
    port: fs.eslPort,
    media: (port) => ({ backend: 'freeswitch', freeswitch: { esl: { port, password: fs.eslPassword, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: fs.sipPort } } }),
    channels: async (b) => Number(/^(\d+) total/m.exec(await (b as FreeswitchBackend).esl.api('show channels count'))?.[1] ?? -1),
    mark: /o=FreeSWITCH/,
  };
  const apiReply = (f: string): boolean => f.includes('Content-Type: api/response');

  t.test('refuses the bridge at answer: the provider gets 500, the phone a BYE, no channel is left and the record says media-error', async (t) => {
    await failingBridge(t, rig, (proxy) => proxy.rewriteReplyTo(/^api uuid_bridge /m, apiReply, (f) => eslReply(f, '-ERR Invalid uuid\n')));
  });

  t.test('never answers the bridge command: the call still ends cleanly with media-error once the command times out', async (t) => {
    await failingBridge(t, rig, (proxy) => proxy.rewriteReplyTo(/^api uuid_bridge /m, apiReply, () => ''));
  });
});

t.test('Asterisk', async (t) => {
  const ast = await startTestAsterisk(t);
  const rig: Rig = {
    framing: 'ami',
    port: ast.amiPort,
    media: (port) => ({ backend: 'asterisk', asterisk: { ami: { port, username: ast.amiUser, secret: ast.amiSecret, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: ast.sipPort } } }),
    channels: async (b) => (await (b as AsteriskBackend).ami.action({ Action: 'CoreShowChannels' })).events.filter((e) => e.fields.Event === 'CoreShowChannel').length,
    mark: /s=Asterisk/,
  };
  const bridgeReply = (f: string): boolean => /^Response: Success\r\n/.test(f) && /Message: Channels have been bridged/.test(f);

  t.test('refuses the AMI Bridge at answer: the provider gets 500, the phone a BYE, no channel is left and the record says media-error', async (t) => {
    await failingBridge(t, rig, (proxy) =>
      proxy.rewriteReplyTo(/^Action: Bridge\r\n/m, bridgeReply, (f) => f.replace('Response: Success', 'Response: Error').replace('Channels have been bridged', 'Channel1 does not exist')),
    );
  });
});
