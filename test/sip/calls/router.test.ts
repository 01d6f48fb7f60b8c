import t from 'tap';
import { CallRouter } from '../../../sip/calls/router.js';
import type { ExtensionDirectory, Extension } from '../../../sip/registrar/directory.js';
import type { TrunkConfig } from '../../../sip/config.js';

const exts: Extension[] = [
  { number: '101', password: 'x', name: 'A', department: 'sales', record: false, announce: false, transport: 'any', source: 'config' },
  { number: '102', password: 'x', name: 'B', department: 'sales', record: false, announce: false, transport: 'any', source: 'config' },
  { number: '900', password: 'x', name: 'C', department: 'support', record: false, announce: false, transport: 'any', source: 'config' },
];
const directory = { get: (n: string) => exts.find((e) => e.number === n), inDepartment: (d: string) => exts.filter((e) => e.department === d) } as unknown as ExtensionDirectory;
const trunk = (o: Partial<TrunkConfig>): TrunkConfig => ({ id: 'p', host: '192.0.2.1', port: 5060, transport: 'udp', inbound: 'sales', prefix: '9', callerId: null, registerExpires: 600, record: false, announce: false, ...o });
const plan = { countryCode: '7', nationalPrefix: '8' };
const router = new CallRouter(directory, [trunk({}), trunk({ id: 'intl', prefix: '98', callerId: '+74950000000' })], 'support', plan);
const a = { kind: 'extension' as const, extension: exts[0]! };

t.test('an extension number wins over a trunk prefix it starts with', async (t) => {
  t.match(router.route(a, '900'), { kind: 'extensions', extensions: [{ number: '900' }], direction: 'internal' });
  t.match(router.route(a, '102'), { kind: 'extensions', direction: 'internal', via: 'extension' });
});

t.test('trunk by the longest prefix, prefix stripped, caller id by policy, number in E.164', async (t) => {
  t.match(router.route(a, '984951234567'), { kind: 'trunk', trunk: { id: 'intl' }, number: '4951234567', callerId: '+74950000000' });
  t.match(router.route(a, '989161234567'), { kind: 'trunk', trunk: { id: 'intl' } });
  t.match(router.route(a, '9+74951234567'), { kind: 'trunk', trunk: { id: 'p' }, number: '+74951234567', e164: '+74951234567', callerId: '101' });
});

t.test('unknown numbers 404, junk 484, calling yourself 403', async (t) => {
  t.match(router.route(a, '555'), { kind: 'reject', status: 404 });
  t.match(router.route(a, 'abc'), { kind: 'reject', status: 484 });
  t.match(router.route(a, '101'), { kind: 'reject', status: 403 });
});

t.test('inbound: an extension, a department ring group, the fallback, or 480', async (t) => {
  const origin = (tr: TrunkConfig) => ({ kind: 'trunk' as const, trunk: tr, callerE164: '+79123456789', callerRaw: '89123456789' });
  t.match(router.route(origin(trunk({ inbound: '102' })), '7495'), { kind: 'extensions', extensions: [{ number: '102' }], direction: 'in' });
  t.match(router.route(origin(trunk({ inbound: 'sales' })), '7495'), { kind: 'extensions', extensions: [{ number: '101' }, { number: '102' }], via: 'department' });
  t.match(router.route(origin(trunk({ inbound: 'nobody' })), '7495'), { kind: 'extensions', extensions: [{ number: '900' }], via: 'fallback' });
  const noFallback = new CallRouter(directory, [], null, plan);
  t.match(noFallback.route(origin(trunk({ inbound: 'nobody' })), '7495'), { kind: 'reject', status: 480 });
});
