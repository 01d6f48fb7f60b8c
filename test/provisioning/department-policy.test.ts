import t, { type Test } from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testAppliance, tempDir } from '../helpers/appliance.js';
import { provision } from '../../provisioning/apply.js';
import { ProvisionedDepartments } from '../../sip/registrar/provisioned-departments.js';
import { DepartmentDirectory } from '../../sip/registrar/department-directory.js';

const ctx = { actor: 'cli:test', source: 'cli' };

async function doc(t: Test, departments: string): Promise<string> {
  const file = path.join(await tempDir(t), 'box.yaml');
  await writeFile(file, `version: 1\ndepartments: ${departments}\n`);
  return file;
}

t.test('departments given by name stay valid and store no recording policy', async (t) => {
  const { app } = await testAppliance(t);
  const result = await provision(await doc(t, '[sales, support]'), { store: app.store, access: app.access, ctx, dryRun: false });
  t.same(result.changes, ['~ departments: [] -> [sales, support]']);
  t.same(app.access.departments.list(), ['sales', 'support']);
  t.same(new ProvisionedDepartments(app.store, app.audit).list(), []);
});

t.test('a dry run shows the department policy it would set and writes nothing; the apply stores it, audited, and takes effect', async (t) => {
  const { app } = await testAppliance(t);
  const file = await doc(t, '[sales, { name: legal, record: true, announce: true }, { name: audit, record: true }]');
  const plan = await provision(file, { store: app.store, access: app.access, ctx, dryRun: true });
  t.same(plan.changes, [
    '~ departments: [] -> [sales, legal, audit]',
    '~ department legal: record false, announce false -> record true, announce true',
    '~ department audit: record false, announce false -> record true, announce false',
  ]);
  t.equal(plan.applied, false);
  const policies = new ProvisionedDepartments(app.store, app.audit);
  t.same(policies.list(), [], 'the dry run stored nothing');
  t.equal([...app.audit.all()].length, 0, 'and audited nothing');

  const applied = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false });
  t.same(applied.changes, plan.changes);
  t.same(policies.get('legal'), { name: 'legal', record: true, announce: true });
  const audit = [...app.audit.all()].filter((r) => r.target.startsWith('department:'));
  t.match(audit, [
    { action: 'department.set', actor: 'cli:test (provision)', target: 'department:legal', details: { record: true, announce: true } },
    { action: 'department.set', actor: 'cli:test (provision)', target: 'department:audit', details: { record: true, announce: false } },
  ]);
  const directory = new DepartmentDirectory(policies, []);
  t.same(directory.policy('legal'), { record: true, announce: true, source: 'provisioning' }, 'the call policy reads it');

  const again = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false });
  t.same(again.changes, [], 'a second apply of the same document changes nothing');
});

t.test('a changed policy is converged and a department dropped from the document loses its policy, audited', async (t) => {
  const { app } = await testAppliance(t);
  await provision(await doc(t, '[{ name: legal, record: true, announce: true }, { name: audit, record: true }]'), { store: app.store, access: app.access, ctx, dryRun: false });
  const second = await provision(await doc(t, '[{ name: legal, record: true }]'), { store: app.store, access: app.access, ctx, dryRun: false });
  t.same(second.changes, ['~ departments: [legal, audit] -> [legal]', '~ department legal: record true, announce true -> record true, announce false', '- department audit: recording policy']);
  const policies = new ProvisionedDepartments(app.store, app.audit);
  t.same(policies.list(), [{ name: 'legal', record: true, announce: false }]);
  t.match([...app.audit.all()].at(-1), { action: 'department.set', target: 'department:audit', details: { removed: true } });
});

t.test('a malformed department or one declared twice refuses the whole document', async (t) => {
  const { app } = await testAppliance(t);
  await t.rejects(provision(await doc(t, '[{ name: legal, recrod: true }]'), { store: app.store, access: app.access, ctx, dryRun: false }), { code: 'SWB_ERR_CONFIG_INVALID', message: /departments\.0/ });
  await t.rejects(provision(await doc(t, '[legal, { name: legal, record: true }]'), { store: app.store, access: app.access, ctx, dryRun: false }), { code: 'SWB_ERR_CONFIG_INVALID', message: /departments\.1\.name: "legal" is declared twice/ });
  t.same(app.access.departments.list(), []);
});

t.test('an extension stored before `announce` existed is not planned as changed; one declared with announce: true is, and keeps it', async (t) => {
  const { app } = await testAppliance(t);
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'ext.pw'), 'pw-201-secret');
  const password = { file: path.join(dir, 'ext.pw') };
  await app.store.write(() => app.store.db('sipExtensions').putSync('201', { number: '201', password, name: 'Petr', department: 'legal', record: false }));
  const file = path.join(dir, 'box.yaml');
  await writeFile(file, `version: 1\ndepartments: [legal]\nextensions:\n  - { number: '201', password: { file: ${password.file} }, name: Petr, department: legal }\n`);
  t.same((await provision(file, { store: app.store, access: app.access, ctx, dryRun: true })).changes, ['~ departments: [] -> [legal]']);
  await writeFile(file, `version: 1\ndepartments: [legal]\nextensions:\n  - { number: '201', password: { file: ${password.file} }, name: Petr, department: legal, announce: true }\n`);
  t.same((await provision(file, { store: app.store, access: app.access, ctx, dryRun: false })).changes, ['~ departments: [] -> [legal]', '~ extension 201 (legal)']);
  t.match(app.store.db('sipExtensions').get('201'), { announce: true });
  t.match([...app.audit.all()].find((r) => r.action === 'sip.extension.set'), { target: 'extension:201', details: { announce: true } });
});
