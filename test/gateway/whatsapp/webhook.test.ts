import t, { type Test } from 'tap';
import { FakeWhatsApp, WA, sign, waMessage, waStatus, waText } from '../../fakes/whatsapp.js';
import { clientOf, gatewayAppliance, messages, until } from '../../helpers/gateway.js';
import { rawFixture, webhookFixture } from '../../helpers/fixtures.js';
import { bearer } from '../../helpers/appliance.js';

async function setup(t: Test, gateway: Record<string, unknown> = {}) {
  const wa = await new FakeWhatsApp().start();
  t.teardown(() => wa.stop());
  const env = await gatewayAppliance(t, [{ id: 'wa', type: 'whatsapp', ...WA, apiBase: wa.url }], { publicListen: '127.0.0.1:0', ...gateway });
  const post = async (raw: string, headers: Record<string, string> = { 'x-hub-signature-256': sign(raw) }) => {
    const r = await fetch(`${env.publicUrl}/webhooks/wa`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
    return { status: r.status, text: await r.text() };
  };
  return { wa, post, ...env };
}

t.test('the WhatsApp subscription handshake echoes hub.challenge only for the right verify token', async (t) => {
  const { publicUrl } = await setup(t);
  const ok = await fetch(`${publicUrl}/webhooks/wa?hub.mode=subscribe&hub.verify_token=${WA.verifyToken}&hub.challenge=1158201444`);
  t.equal(ok.status, 200);
  t.equal(await ok.text(), '1158201444');
  const bad = await fetch(`${publicUrl}/webhooks/wa?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`);
  t.equal(bad.status, 403);
  t.notMatch(await bad.text(), /1158201444/);
});

t.test('a signed message lands in history, the reply goes out through the Graph API, and statuses only move forward', async (t) => {
  const { wa, post, app, reply } = await setup(t);
  t.equal((await post(JSON.stringify(waText('79161234567', 'Здравствуйте! Where is my parcel?')))).status, 200);
  const clientId = clientOf(app, 'whatsapp', '79161234567')!;
  t.ok(clientId, 'the sender became a client');
  t.equal(app.clients.get(clientId)!.name, 'Olga Smirnova');
  t.match(messages(app, clientId), [{ direction: 'in', channel: 'wa', payload: { text: 'Здравствуйте! Where is my parcel?', status: 'received' } }]);

  const [conv] = app.conversations.list({ status: 'open', limit: 5 });
  t.equal((await reply(conv!.id, 'It is on its way.')).status, 202);
  const sent = await until(() => wa.sent[0], 'the Graph API call');
  t.match(sent, { to: '79161234567', type: 'text', text: 'It is on its way.' });
  const out = () => messages(app, clientId).find((m) => m.direction === 'out')!;
  await until(() => out().payload.status === 'sent', 'sent');
  t.equal(out().payload.externalId, sent.wamid);

  for (const status of ['read', 'delivered', 'sent']) t.equal((await post(JSON.stringify(waStatus(sent.wamid, status, '79161234567')))).status, 200);
  t.equal(out().payload.status, 'read', 'a late delivered or sent never takes read back');
  await post(JSON.stringify(waStatus(sent.wamid, 'failed', '79161234567', [{ code: 131026, title: 'Message undeliverable' }])));
  t.equal(out().payload.status, 'read', 'nor does a contradicting failed');
});

t.test('a redelivered webhook stores nothing new and is still answered 200', async (t) => {
  const { post, app } = await setup(t);
  const raw = JSON.stringify(waText('79161234567', 'only once', 'wamid.REDELIVERED1'));
  for (let i = 0; i < 3; i++) t.equal((await post(raw)).status, 200, `delivery ${i + 1}`);
  await Promise.all([post(raw), post(raw)]);
  t.equal(messages(app, clientOf(app, 'whatsapp', '79161234567')!).length, 1);
});

t.test('forged, unsigned and replayed-with-another-body webhooks are refused and store nothing', async (t) => {
  const { post, app } = await setup(t);
  const forged = webhookFixture('bad/forged-signature.json');
  t.equal((await post(forged.raw, forged.headers)).status, 403, forged.why);
  const unsigned = webhookFixture('bad/missing-signature.json');
  t.equal((await post(unsigned.raw, unsigned.headers)).status, 401, unsigned.why);
  // A captured signature replayed over a changed body.
  const original = JSON.stringify(waText('79990001122', 'hello'));
  const tampered = original.replace('hello', 'give me the data');
  t.equal((await post(tampered, { 'x-hub-signature-256': sign(original) })).status, 403);
  t.equal(clientOf(app, 'whatsapp', '79990001122'), undefined, 'no client was created');
  const metrics = await app.metrics.registry.getSingleMetricAsString('swb_gateway_webhook_verification_failures_total');
  t.match(metrics, /swb_gateway_webhook_verification_failures_total\{channel="wa"\} 3/);
});

t.test('the signature is checked over the raw bytes, not re-serialised JSON', async (t) => {
  const { post, app } = await setup(t);
  // Meta escapes non-ASCII and keeps its own spacing: a parse-and-stringify would change the bytes.
  const raw = JSON.stringify(waText('79160000001', 'Привет'), null, 1).replace('Привет', '\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442');
  t.equal((await post(raw, { 'x-hub-signature-256': sign(JSON.stringify(JSON.parse(raw))) })).status, 403, 'a signature over re-serialised JSON does not verify');
  t.equal((await post(raw)).status, 200, 'the signature over the bytes sent does');
  t.equal(messages(app, clientOf(app, 'whatsapp', '79160000001')!)[0]!.payload.text, 'Привет');
});

t.test('malformed, oversized and unknown payloads never crash the listener', async (t) => {
  const { post, app, publicUrl } = await setup(t, { publicBodyLimitBytes: 4096 });
  const malformed = rawFixture('bad/malformed-json.txt');
  t.equal((await post(malformed)).status, 400, 'signed but not JSON');
  const big = JSON.stringify(waText('79160000002', 'x'.repeat(10_000)));
  t.equal((await post(big)).status, 413, 'over the body limit');
  for (const name of ['good/reaction-ignored.json', 'good/other-field-ignored.json']) {
    const f = webhookFixture(name);
    t.equal((await post(f.raw)).status, 200, f.why);
  }
  t.equal((await post(JSON.stringify({ object: 'page', entry: [] }))).status, 200, 'another object type is acknowledged');
  t.equal((await post(JSON.stringify([1, 2, 3]))).status, 200, 'an array is acknowledged and ignored');
  t.equal(clientOf(app, 'whatsapp', '79161234567'), undefined);
  t.equal(clientOf(app, 'whatsapp', '79160000002'), undefined);
  t.equal((await fetch(`${publicUrl}/webhooks/wa`, { method: 'POST', body: 'x' })).status, 401, 'still serving');
});

t.test('an image is downloaded through the Graph API, stored with its SHA-256, and one over the limit is refused but the message kept', async (t) => {
  const { wa, post, app, dataDir, sup } = await setup(t, { attachmentMaxBytes: 1000 });
  wa.media.set('media-small', { data: Buffer.from('a small picture'), mime: 'image/jpeg' });
  wa.media.set('media-big', { data: Buffer.alloc(5000, 1), mime: 'image/jpeg' });
  await post(JSON.stringify(waMessage('79160000003', { type: 'image', image: { id: 'media-small', mime_type: 'image/jpeg', caption: 'my receipt' } })));
  await post(JSON.stringify(waMessage('79160000003', { type: 'image', image: { id: 'media-big', mime_type: 'image/jpeg' } })));
  const [small, big] = messages(app, clientOf(app, 'whatsapp', '79160000003')!);
  t.match(small!.payload, { text: 'my receipt', attachments: [{ mime: 'image/jpeg', bytes: 15, sha256: /^[0-9a-f]{64}$/ }] });
  const { readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const stored = await readFile(`${dataDir}/${small!.payload.attachments[0]!.file}`);
  t.equal(stored.toString(), 'a small picture');
  t.equal(small!.payload.attachments[0]!.sha256, createHash('sha256').update(stored).digest('hex'));
  t.match(big!.payload.attachments, [{ file: '', refused: 'too_large' }]);
  const conv = app.conversations.list({ clientId: small!.clientId, limit: 1 })[0]!;
  const sha = small!.payload.attachments[0]!.sha256!;
  const file = await app.http.inject({ method: 'GET', url: `/api/v1/conversations/${conv.id}/attachments/${sha}`, headers: bearer(sup) });
  t.equal(file.statusCode, 200);
  t.equal(file.body, 'a small picture');
  t.match(file.headers, { 'content-type': 'image/jpeg', 'content-disposition': /^attachment/ });
  const other = await app.http.inject({ method: 'GET', url: `/api/v1/conversations/${conv.id}/attachments/${'0'.repeat(64)}`, headers: bearer(sup) });
  t.equal(other.statusCode, 404, 'a hash not linked from this conversation opens nothing');
  const failures = await app.metrics.registry.getSingleMetricAsString('swb_gateway_failures_total');
  t.match(failures, /reason="attachment_too_large"\} 1/);
});

t.test('location, contact and reply context are kept in the message', async (t) => {
  const { post, app } = await setup(t);
  await post(JSON.stringify(waMessage('79160000004', { type: 'location', location: { latitude: 55.75, longitude: 37.61, name: 'Office', address: 'Tverskaya 1' } })));
  await post(JSON.stringify(waMessage('79160000004', { type: 'contacts', contacts: [{ name: { formatted_name: 'Anna K' }, phones: [{ phone: '+7 916 000 00 05' }] }] })));
  await post(JSON.stringify(waMessage('79160000004', { type: 'text', text: { body: 'this one' }, context: { id: 'wamid.EARLIER' } })));
  const [loc, contact, replyTo] = messages(app, clientOf(app, 'whatsapp', '79160000004')!);
  t.match(loc!.payload.location, { latitude: 55.75, longitude: 37.61, name: 'Office', address: 'Tverskaya 1' });
  t.match(contact!.payload.contact, { name: 'Anna K', phone: '+7 916 000 00 05' });
  t.equal(replyTo!.payload.replyTo, 'wamid.EARLIER');
});
