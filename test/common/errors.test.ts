import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { catalogue, SwitchboardError } from '../../common/errors.js';
import { ROOT } from '../helpers/cli.js';

async function readmeSection(title: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'docs/api.md'), 'utf8');
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/api.md has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 5);
  return readme.slice(start, end < 0 ? undefined : end);
}

t.test('the error table in docs/api.md lists exactly the catalogue, with the same statuses', async (t) => {
  const rows = [...(await readmeSection('Errors')).matchAll(/^\| `(SWB_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
  t.same(Object.fromEntries(rows), Object.fromEntries(Object.entries(catalogue).map(([code, e]) => [code, e.status])));
});

t.test('an error serialises as {error, message} and carries its status', async (t) => {
  const e = new SwitchboardError('SWB_ERR_NOT_FOUND', 'client 42');
  t.same(e.toJSON(), { error: 'SWB_ERR_NOT_FOUND', message: 'No such resource: client 42' });
  t.equal(e.status, 404);
});

t.test('product code throws only catalogue errors, never a bare Error', async (t) => {
  const offenders: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (p.endsWith('.ts') && /throw new (Type|Range)?Error\(/.test(await readFile(p, 'utf8'))) offenders.push(path.relative(ROOT, p));
    }
  }
  for (const top of ['appliance', 'sip', 'gateway', 'provisioning']) await walk(path.join(ROOT, top)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  t.same(offenders, []);
});
