// Prints the console's first-load weight: every script and stylesheet of
// dist/console, gzipped as the appliance serves them. The ceiling is
// 200 KB; a build over it fails, so the figure cannot creep up unseen.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const LIMIT = 200 * 1024;
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'dist', 'console', 'assets');
let raw = 0;
let gz = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const body = readFileSync(path.join(dir, name));
  raw += body.length;
  gz += gzipSync(body, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`console: JavaScript + CSS ${kb(gz)} gzipped (${kb(raw)} raw; ceiling ${kb(LIMIT)})`);
if (gz > LIMIT) {
  console.error('console: over the 200 KB gzipped ceiling');
  process.exit(1);
}
