import t from 'tap';
import { EventEmitter } from 'node:events';
import { testAppliance } from '../../helpers/appliance.js';
import { ProtectionGuard } from '../../../sip/protection/guard.js';
import { validateConfig } from '../../../appliance/config/load.js';
import { createLogger } from '../../../common/log.js';
import type { SipRequest, SipResponse } from '../../../sip/drachtio/srf.js';

function request(method: string, source: string, ua?: string): SipRequest {
  const e = new EventEmitter() as SipRequest;
  Object.assign(e, { method, source_address: source, source_port: 5060, protocol: 'udp', uri: 'sip:x', body: '' });
  e.get = (n: string) => (n.toLowerCase() === 'user-agent' ? ua : undefined);
  return e;
}

function response(): SipResponse & { sent: number[] } {
  const sent: number[] = [];
  return Object.assign(new EventEmitter(), { sent, finalResponseSent: false, send: (s: number) => void sent.push(s) }) as unknown as SipResponse & { sent: number[] };
}

t.test('INVITEs are limited per address; trusted and trunk addresses are not; loopback is not trusted by default', async (t) => {
  const { app } = await testAppliance(t);
  const cfg = validateConfig({ sip: { protection: { invitePerSecond: 1, inviteBurst: 2, trusted: ['10.9.0.0/16'] } } }, 'x').sip.protection;
  const guard = new ProtectionGuard(cfg, ['192.0.2.10'], app.sip.bans, null, createLogger({ level: 'silent' }));
  const admitted = (src: string, n: number, method = 'INVITE') => Array.from({ length: n }, () => guard.admit(request(method, src), response())).filter(Boolean).length;
  t.equal(admitted('198.51.100.7', 5), 2, 'the burst, then 503');
  const res = response();
  guard.admit(request('INVITE', '198.51.100.7'), res);
  t.same(res.sent, [503]);
  t.equal(admitted('198.51.100.8', 2), 2, 'another address is unaffected');
  t.equal(admitted('10.9.1.1', 10), 10, 'a trusted network');
  t.equal(admitted('192.0.2.10', 10), 10, 'a trunk host');
  t.equal(admitted('127.0.0.9', 5), 2, 'loopback is limited like anyone');
  t.equal(admitted('198.51.100.7', 5, 'OPTIONS'), 5, 'only REGISTER and INVITE are rate-limited');
});

t.test('a banned address gets 403 for everything but ACK, which is never answered', async (t) => {
  const { app } = await testAppliance(t);
  const guard = new ProtectionGuard(validateConfig({}, 'x').sip.protection, [], app.sip.bans, null, createLogger({ level: 'silent' }));
  await app.sip.bans.ban('203.0.113.5', 'auth-failures', 5);
  const r1 = response();
  t.notOk(guard.admit(request('REGISTER', '203.0.113.5'), r1));
  t.same(r1.sent, [403]);
  const r2 = response();
  t.notOk(guard.admit(request('ACK', '203.0.113.5'), r2));
  t.same(r2.sent, []);
});
