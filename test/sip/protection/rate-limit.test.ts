import t from 'tap';
import { RateLimiter } from '../../../sip/protection/rate-limit.js';
import { ScannerFilter } from '../../../sip/protection/scanners.js';
import { DEFAULT_SCANNER_USER_AGENTS } from '../../../sip/config.js';

t.test('a bucket per source: the burst, then the rate; other sources unaffected', async (t) => {
  const clock = { t: 0 };
  const rl = new RateLimiter(2, 3, () => clock.t);
  t.same([1, 2, 3, 4].map(() => rl.take('a')), [true, true, true, false]);
  t.ok(rl.take('b'), 'another address has its own bucket');
  clock.t += 500;
  t.ok(rl.take('a'), 'one token back after half a second at 2/s');
  t.notOk(rl.take('a'));
  clock.t += 10_000;
  rl.prune();
  t.same([1, 2, 3, 4].map(() => rl.take('a')), [true, true, true, false], 'refilled to the burst, not beyond');
});

t.test('the source table stays bounded under a spoofed-address flood', async (t) => {
  const rl = new RateLimiter(1, 1, () => 0, 1000);
  for (let i = 0; i < 5000; i++) rl.take(`10.0.${i >> 8}.${i & 255}`);
  t.ok((rl as unknown as { buckets: Map<string, unknown> }).buckets.size <= 1000);
});

t.test('known scanners by User-Agent substring, any case; phones pass', async (t) => {
  const f = new ScannerFilter(DEFAULT_SCANNER_USER_AGENTS);
  for (const ua of ['friendly-scanner', 'sipvicious 0.3.4', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1', 'SIPSAK 0.9']) t.ok(f.isScanner(ua), ua);
  for (const ua of ['Yealink SIP-T46S 66.86.0.15', 'baresip v1.0.0', 'SIPp-test-phone', undefined]) t.notOk(f.isScanner(ua), String(ua));
});
