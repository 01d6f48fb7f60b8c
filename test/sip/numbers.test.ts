import t from 'tap';
import { toE164 } from '../../sip/numbers.js';

t.test("a trunk's caller numbers in E.164, whatever form the provider sends", async (t) => {
  const ru = { countryCode: '7', nationalPrefix: '8' };
  t.equal(toE164('+79123456789', ru), '+79123456789');
  t.equal(toE164('79123456789', ru), '+79123456789');
  t.equal(toE164('89123456789', ru), '+79123456789');
  t.equal(toE164('0079123456789', ru), '+79123456789');
  t.equal(toE164('%2B79123456789', ru), '+79123456789', 'escaped in the URI');
  t.equal(toE164('anonymous', ru), null);
  t.equal(toE164('101', ru), null, 'an extension is not a phone number');
  t.equal(toE164('', ru), null);
  const uk = { countryCode: '44', nationalPrefix: '0' };
  t.equal(toE164('02079460000', uk), '+442079460000');
});
