import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** What the release ships is dist/: product code only (the suite builds it first, scripts/test.sh). */
const PRODUCT = new Set(['appliance', 'http', 'common', 'domain', 'sip', 'gateway', 'provisioning', 'console']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const abs = path.join(dir, e);
    return statSync(abs).isDirectory() ? files(abs) : [path.relative(path.join(ROOT, 'dist'), abs)];
  });
}

t.test('dist/ holds product code only: no test, bench or lab file', async (t) => {
  const all = files(path.join(ROOT, 'dist'));
  t.ok(all.some((f) => f === path.join('appliance', 'cli', 'main.js')), 'the CLI is there');
  t.ok(all.some((f) => f.startsWith(`domain${path.sep}`)), 'the domain is there');
  t.same([...new Set(all.map((f) => f.split(path.sep)[0]!))].filter((top) => !PRODUCT.has(top)), [], 'no other top-level folder');
  t.same(all.filter((f) => /(^|\/)(test|bench|lab|fixtures|helpers)\//.test(f) || /\.(test|bench)\.js$/.test(f)), [], 'no test, bench or lab file anywhere');
});
