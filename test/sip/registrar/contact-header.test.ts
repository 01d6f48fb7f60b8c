import t from 'tap';
import { displayNameOf, parseContacts, userOf } from '../../../sip/registrar/contact-header.js';

t.test('Contact lists: name-addr and bare addr-spec, params, quoted commas, star, junk', async (t) => {
  t.same(parseContacts('"Bob, Jr" <sip:101@1.2.3.4:5060;transport=udp>;expires=60;q=0.5, sip:101@5.6.7.8;expires=0,<sip:101@9.9.9.9>'), {
    kind: 'list',
    contacts: [
      { uri: 'sip:101@1.2.3.4:5060;transport=udp', params: { expires: '60', q: '0.5' } },
      { uri: 'sip:101@5.6.7.8', params: { expires: '0' } },
      { uri: 'sip:101@9.9.9.9', params: {} },
    ],
  });
  t.same(parseContacts('*'), { kind: 'star' });
  t.same(parseContacts(undefined), { kind: 'list', contacts: [] });
  t.same(parseContacts('<http://example.com>'), { kind: 'invalid' });
  t.same(parseContacts('<sip:101@h'), { kind: 'invalid' });
});

t.test('user parts and display names of From/To', async (t) => {
  t.equal(userOf('"Anna" <sip:101@pbx>;tag=1'), '101');
  t.equal(userOf('sip:%2B7912@pbx'), '+7912');
  t.equal(userOf('<sip:pbx>'), null);
  t.equal(displayNameOf('"Ivan \\"Vanya\\" Petrov" <sip:+7912@x>'), 'Ivan "Vanya" Petrov');
  t.equal(displayNameOf('Anna <sip:101@x>'), 'Anna');
  t.equal(displayNameOf('<sip:101@x>'), null);
});
