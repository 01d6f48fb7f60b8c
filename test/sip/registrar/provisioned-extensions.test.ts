import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir, testAppliance } from '../../helpers/appliance.js';
import { provision } from '../../../provisioning/apply.js';

t.test('provision apply adds extensions (password by reference), the registrar knows them at once, a second apply changes nothing', async (t) => {
  const { app } = await testAppliance(t, { extensions: [{ number: '101', password: 'from-config', name: 'Config Anna' }] });
  const dir = await tempDir(t);
  const secret = path.join(dir, 'ext-201');
  await writeFile(secret, 'provisioned-pw\n', { mode: 0o600 });
  const doc = path.join(dir, 'box.yaml');
  await writeFile(doc, YAML.stringify({ version: 1, departments: ['sales'], extensions: [{ number: '201', password: { file: secret }, name: 'Prov Petr', department: 'sales' }, { number: '101', password: { env: 'EXT_101' } }] }));
  const deps = { store: app.store, access: app.access, ctx: { actor: 'test', source: 'test' }, dryRun: false, env: { EXT_101: 'ignored' } };
  const first = await provision(doc, deps);
  t.ok(first.changes.includes('+ extension 201 (sales)'), first.changes.join('\n'));
  t.match(app.sip.directory.get('201'), { number: '201', password: 'provisioned-pw', department: 'sales', source: 'provisioning' });
  t.match(app.sip.directory.get('101'), { password: 'from-config', source: 'config' }, 'the configuration file wins');
  t.same(app.sip.directory.inDepartment('sales').map((e) => e.number), ['201']);
  t.same((await provision(doc, deps)).changes, [], 'idempotent');
  t.ok([...app.audit.all()].some((r) => r.action === 'sip.extension.set' && r.target === 'extension:201'), 'audited');
});

t.test('an extension password written in the document is refused, and nothing is applied', async (t) => {
  const { app } = await testAppliance(t);
  const dir = await tempDir(t);
  const doc = path.join(dir, 'box.yaml');
  await writeFile(doc, YAML.stringify({ version: 1, extensions: [{ number: '202', password: 'inline' }] }));
  await t.rejects(provision(doc, { store: app.store, access: app.access, ctx: { actor: 'test', source: 'test' }, dryRun: false }), /extensions\.0\.password: got a secret written in the document/);
  t.equal(app.sip.directory.get('202'), undefined);
});
