import t from 'tap';
import { gunzipSync } from 'node:zlib';
import { testAppliance } from '../../../helpers/appliance.js';
import { ensureConsoleBuilt } from '../../../helpers/console.js';

t.test('the console is served at / with a strict CSP; index.html is never cached and the hashed assets are cached for a year', async (t) => {
  ensureConsoleBuilt();
  const { app } = await testAppliance(t);
  for (const url of ['/', '/c/some-conversation']) {
    const r = await app.http.inject({ method: 'GET', url });
    t.equal(r.statusCode, 200, url);
    t.match(r.headers['content-type'], /^text\/html/);
    t.equal(r.headers['cache-control'], 'no-store');
    const csp = String(r.headers['content-security-policy']);
    t.match(csp, /(^|; )default-src 'self'(;|$)/);
    t.match(csp, /(^|; )frame-ancestors 'none'(;|$)/);
    t.match(csp, /(^|; )script-src 'self'(;|$)/, 'scripts from this origin only, no inline');
    t.notMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'nothing inline, nothing from elsewhere');
  }
  const html = (await app.http.inject({ method: 'GET', url: '/' })).body;
  t.notMatch(html, /<script(?![^>]*\bsrc="\/assets\/)[^>]*>/, 'no inline script');
  t.notMatch(html, /(src|href)="(https?:)?\/\//, 'no CDN, no web font');
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  t.ok(assets.some((a) => /\/index-[\w-]{6,}\.js$/.test(a)) && assets.some((a) => /\.css$/.test(a)), `hashed script and stylesheet: ${assets.join(', ')}`);
  for (const a of assets) {
    const r = await app.http.inject({ method: 'GET', url: a, headers: { 'accept-encoding': 'gzip' } });
    t.equal(r.statusCode, 200, a);
    t.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    t.equal(r.headers['content-encoding'], 'gzip');
    const body = gunzipSync(r.rawPayload).toString();
    t.notMatch(body, /@import|url\(\s*['"]?https?:|fonts\.googleapis|cdn\./, `${a} loads nothing from elsewhere`);
  }
  const missing = await app.http.inject({ method: 'GET', url: '/assets/index-nothere.js' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.headers['cache-control'], 'no-store', 'a missing asset is not cached either');
});
