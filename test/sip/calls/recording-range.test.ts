import t from 'tap';
import { parseRange } from '../../../sip/http/routes.js';

t.test('parseRange: one bytes= range of a file, per RFC 9110', async (t) => {
  t.equal(parseRange(undefined, 100), null, 'no Range: the whole file');
  t.same(parseRange('bytes=0-43', 100), [0, 43]);
  t.same(parseRange('bytes=90-', 100), [90, 99], 'open end');
  t.same(parseRange('bytes=50-500', 100), [50, 99], 'an end past the file is cut to it');
  t.same(parseRange('bytes=-10', 100), [90, 99], 'suffix');
  t.same(parseRange('bytes=-500', 100), [0, 99], 'a suffix longer than the file is the file');
  t.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  t.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  t.equal(parseRange('bytes=0-', 0), 'unsatisfiable', 'nothing to range over');
  t.equal(parseRange('bytes=5-2', 100), null, 'end before start: ignored');
  t.equal(parseRange('bytes=0-1,5-6', 100), null, 'several ranges: the whole file');
  t.equal(parseRange('items=0-1', 100), null, 'another unit: ignored');
  t.equal(parseRange('bytes=-', 100), null);
});
