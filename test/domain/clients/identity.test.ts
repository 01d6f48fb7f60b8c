import t from 'tap';
import { identityKey, identityReadings, normalizeIdentity, normalizePhone } from '../../../domain/clients/identity.js';

t.test('a phone written with spaces, dashes, parentheses and dots becomes E.164', async (t) => {
  t.equal(normalizePhone('+1 (415) 555-0100'), '+14155550100');
  t.equal(normalizePhone(' +44 20.7946.0958 '), '+442079460958');
  t.equal(normalizePhone('+7\u00a0912\u2013345\u201367\u201389'), '+79123456789', 'no-break spaces and typographic dashes count as punctuation');
});

t.test('an international 00 prefix is read as +', async (t) => {
  t.equal(normalizePhone('0049 30 1234567'), '+49301234567');
});

t.test('a phone that is not international E.164 is refused with a message that says what is expected', async (t) => {
  for (const bad of ['4155550100', '+0123456789', '+12345', '+1234567890123456', '+1 415 CALL NOW', '', 'anonymous']) {
    t.throws(() => normalizePhone(bad), { code: 'SWB_ERR_VALIDATION', message: /international number/ }, bad);
  }
});

t.test('an email is lower-cased and trimmed, and an address without @ is refused', async (t) => {
  t.same(normalizeIdentity('email', '  Anna.Smith@Example.COM '), { kind: 'email', value: 'anna.smith@example.com' });
  t.throws(() => normalizeIdentity('email', 'not-an-address'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('a whatsapp id keeps only the digits of the number', async (t) => {
  t.same(normalizeIdentity('whatsapp', '+1 415-555-0100'), { kind: 'whatsapp', value: '14155550100' });
  t.throws(() => normalizeIdentity('whatsapp', 'abc'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('opaque messenger handles are only trimmed, never case-folded', async (t) => {
  t.same(normalizeIdentity('telegram', ' 123456789 '), { kind: 'telegram', value: '123456789' });
  t.same(normalizeIdentity('webchat', 'Visitor-AbC'), { kind: 'webchat', value: 'Visitor-AbC' });
  t.throws(() => normalizeIdentity('vk', '   '), { code: 'SWB_ERR_VALIDATION' });
  t.throws(() => normalizeIdentity('vk', 'a\u0000b'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('an unknown identity kind is refused', async (t) => {
  t.throws(() => normalizeIdentity('fax', '123'), { code: 'SWB_ERR_VALIDATION' });
});

t.test('the identity key joins kind and canonical value', async (t) => {
  t.equal(identityKey(normalizeIdentity('phone', '+1 415 555 0100')), 'phone:+14155550100');
});

t.test('a search text is read as every identity kind it can validly be', async (t) => {
  const kinds = identityReadings('+1 (415) 555-0100').map((i) => `${i.kind}=${i.value}`);
  t.ok(kinds.includes('phone=+14155550100'));
  t.ok(kinds.includes('whatsapp=14155550100'));
  t.notOk(kinds.some((k) => k.startsWith('email=')));
});
