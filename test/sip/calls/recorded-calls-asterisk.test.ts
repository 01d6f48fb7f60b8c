import t from 'tap';
import { bearer, testAppliance } from '../../helpers/appliance.js';
import { startDrachtio, waitFor } from '../../helpers/sip.js';
import { startTestAsterisk, type TestAsterisk } from '../../helpers/asterisk.js';
import { earlyMediaRecordedCall, mediaServerHangsUp, recordedAppliance, rejectedWhileDown, recordedTrunkCall, supervisor, unrecordedTrunkCall } from '../../helpers/recorded-calls.js';
import { freePort } from '../../../sip/drachtio/free-port.js';
import { recordingKey } from '../../../sip/media/recording-file.js';

/*
 * Recorded calls anchored on Asterisk (media.backend: asterisk), end to end:
 * real drachtio-server, real Asterisk 22 (generated config, `park` dialplan),
 * the B2BUA sending both legs there, AMI Bridge and MixMonitor; SIPp as the
 * provider (with RTP) and as the phone. Extension 102 has record: true.
 */
const drachtio = await startDrachtio(t);

const asteriskMedia = (ast: TestAsterisk) => ({
  backend: 'asterisk',
  whenDown: 'unrecorded',
  asterisk: { ami: { port: ast.amiPort, username: ast.amiUser, secret: ast.amiSecret, reconnectMinMs: 100, reconnectMaxMs: 500 }, sip: { port: ast.sipPort } },
});

t.test('a trunk call to a recorded extension is anchored on Asterisk, MixMonitor records it, and the recording lands in the history and the API', async (t) => {
  const ast = await startTestAsterisk(t);
  const trunkPort = await freePort();
  const { app, logs } = await recordedAppliance(t, drachtio, trunkPort, asteriskMedia(ast));
  t.teardown(() => { if (process.env.SWB_SIP_DEBUG) console.error(logs.text); });
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the AMI link');
  const sup = await supervisor(app);

  const { seen, call, rec } = await recordedTrunkCall(t, app, drachtio, trunkPort, sup);
  t.match(seen.messages, /INVITE sip:[\s\S]*s=Asterisk/, "the phone was offered Asterisk's media, not the provider's");
  t.equal(rec.key, recordingKey('asterisk', rec.file), 'reported by the Asterisk backend');
  t.match(await app.metrics.registry.metrics(), /swb_media_link_up\{backend="asterisk"\} 1/);
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'ready', checks: { media: 'ok' } });

  const whole = await app.http.inject({ url: `/api/v1/calls/${call.id}/recording`, headers: bearer(sup) });
  t.equal(whole.statusCode, 200);
  t.equal(whole.headers['content-type'], 'audio/wav');
  t.equal(whole.rawPayload.length, rec.bytes);
  t.equal(whole.rawPayload.subarray(0, 4).toString('latin1'), 'RIFF');
});

t.test('Asterisk hangs up its side mid-call: the B2BUA ends the call on both phones (media-lost), the recording is kept', async (t) => {
  const ast = await startTestAsterisk(t);
  const trunkPort = await freePort();
  const { app } = await recordedAppliance(t, drachtio, trunkPort, asteriskMedia(ast));
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the AMI link');
  await mediaServerHangsUp(t, app, drachtio, trunkPort, await supervisor(app));
});

t.test('early media from the phone is heard through Asterisk; the recording starts at the answer', async (t) => {
  const ast = await startTestAsterisk(t);
  const trunkPort = await freePort();
  const { app } = await recordedAppliance(t, drachtio, trunkPort, asteriskMedia(ast));
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the AMI link');
  await earlyMediaRecordedCall(t, app, drachtio, trunkPort, await supervisor(app));
});

t.test('media.backend: asterisk without media.asterisk.ami.secret is refused at start', async (t) => {
  await t.rejects(testAppliance(t, { media: { backend: 'asterisk' } }), { code: 'SWB_ERR_CONFIG_INVALID', message: /media\.asterisk\.ami\.secret/ });
});

t.test('whenDown: reject: a call to be recorded while Asterisk is down is refused with 503 and recorded as failed', async (t) => {
  const ast = await startTestAsterisk(t);
  const trunkPort = await freePort();
  const deadAmi = { ...ast, amiPort: await freePort() };
  const { app } = await recordedAppliance(t, drachtio, trunkPort, { ...asteriskMedia(deadAmi), whenDown: 'reject' });
  await rejectedWhileDown(t, app, drachtio, trunkPort, await supervisor(app));
});

t.test('Asterisk stopped, whenDown: unrecorded: the recorded call still connects direct and its record is flagged', async (t) => {
  const ast = await startTestAsterisk(t);
  const trunkPort = await freePort();
  const { app } = await recordedAppliance(t, drachtio, trunkPort, asteriskMedia(ast));
  await waitFor(() => app.media!.readiness() === 'ok', 10_000, 'the AMI link');
  await ast.process.stop('SIGKILL');
  await waitFor(() => app.media!.readiness() === 'down', 10_000, 'the AMI link to go down');
  t.match((await app.http.inject({ url: '/readyz' })).json(), { status: 'not ready', checks: { media: 'down' } });
  t.match(await app.metrics.registry.metrics(), /swb_media_link_up\{backend="asterisk"\} 0/);
  await unrecordedTrunkCall(t, app, drachtio, trunkPort, await supervisor(app), /s=Asterisk/);
});
