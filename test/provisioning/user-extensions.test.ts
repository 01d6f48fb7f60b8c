import t, { type Test } from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testAppliance, tempDir, STRONG_PASSWORD } from '../helpers/appliance.js';
import { provision } from '../../provisioning/apply.js';
import type { Appliance } from '../../appliance/app.js';

/* users[].extension in a provisioning document: planned, applied, audited, one user per extension. */

const ctx = { actor: 'cli:test', source: 'cli' };

async function doc(t: Test, users: string, extra = ''): Promise<{ file: string; write: (users: string, extra?: string) => Promise<void> }> {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'pw'), STRONG_PASSWORD, { mode: 0o600 });
  const file = path.join(dir, 'box.yaml');
  const write = (u: string, x = ''): Promise<void> => writeFile(file, `version: 1\n${x}users:\n${u.replaceAll('PW', `{ file: ${dir}/pw }`)}`);
  await write(users, extra);
  return { file, write };
}

const apply = (app: Appliance, file: string, dryRun = false) => provision(file, { store: app.store, access: app.access, ctx, dryRun });

t.test('a dry run shows the extension of a new user; the apply sets it and audits it', async (t) => {
  const { app } = await testAppliance(t);
  const { file } = await doc(t, '  - { username: olga, role: operator, extension: "101", password: PW }\n  - { username: pete, role: operator, password: PW }\n');
  const dry = await apply(app, file, true);
  t.same(dry.changes, ['+ user olga (operator, extension 101)', '+ user pete (operator)']);
  t.notOk(app.access.users.get('olga'), 'a dry run writes nothing');

  await apply(app, file);
  t.equal(app.access.users.extensionOf('olga'), '101');
  t.equal(app.access.users.extensionOf('pete'), null);
  t.match([...app.audit.all()].find((r) => r.target === 'user:olga'), { action: 'user.create', actor: 'cli:test (provision)', details: { extension: '101', via: 'provision' } });
  t.same((await apply(app, file)).changes, [], 'a second apply changes nothing');
});

t.test('a changed or dropped extension is planned as an update, applied and audited with from and to', async (t) => {
  const { app } = await testAppliance(t);
  const { file, write } = await doc(t, '  - { username: olga, role: operator, extension: "101", password: PW }\n');
  await apply(app, file);
  await write('  - { username: olga, role: operator, extension: "2001", password: PW }\n');
  t.same((await apply(app, file, true)).changes, ['~ user olga: extension 101 -> 2001']);
  t.equal(app.access.users.extensionOf('olga'), '101', 'the dry run changed nothing');
  await apply(app, file);
  t.equal(app.access.users.extensionOf('olga'), '2001');
  await write('  - { username: olga, role: operator, password: PW }\n');
  t.same((await apply(app, file)).changes, ['~ user olga: extension 2001 -> null'], 'the document is the authority: no extension key clears it');
  t.equal(app.access.users.extensionOf('olga'), null);
  const updates = [...app.audit.all()].filter((r) => r.action === 'user.update').map((r) => r.details);
  t.match(updates, [{ from: { extension: '101' }, to: { extension: '2001' } }, { from: { extension: '2001' }, to: { extension: null } }]);
});

t.test('two declared users may swap extensions in one apply', async (t) => {
  const { app } = await testAppliance(t);
  const { file, write } = await doc(t, '  - { username: olga, role: operator, extension: "101", password: PW }\n  - { username: pete, role: operator, extension: "102", password: PW }\n');
  await apply(app, file);
  await write('  - { username: olga, role: operator, extension: "102", password: PW }\n  - { username: pete, role: operator, extension: "101", password: PW }\n');
  await apply(app, file);
  t.equal(app.access.users.extensionOf('olga'), '102');
  t.equal(app.access.users.extensionOf('pete'), '101');
});

t.test('an extension declared twice, held by an undeclared user, or malformed refuses the whole document', async (t) => {
  const { app } = await testAppliance(t);
  await app.access.users.create({ username: 'stray', password: STRONG_PASSWORD, role: 'operator', extension: '105' }, ctx);
  const auditBefore = [...app.audit.all()].length;
  const cases: Array<[string, string, { code: string; message: RegExp }]> = [
    ['twice in the document', '  - { username: olga, role: operator, extension: "101", password: PW }\n  - { username: pete, role: operator, extension: "101", password: PW }\n', { code: 'SWB_ERR_CONFIG_INVALID', message: /users\.1\.extension: 101 is already user olga's/ }],
    ['held by a user the document does not declare', '  - { username: olga, role: operator, extension: "105", password: PW }\n', { code: 'SWB_ERR_CONFLICT', message: /users\.0\.extension: 105 belongs to user stray/ }],
    ['not 2-8 digits', '  - { username: olga, role: operator, extension: "1a", password: PW }\n', { code: 'SWB_ERR_CONFIG_INVALID', message: /users\.0\.extension: got "1a", expected 2-8 digits, or null/ }],
    ['a number, not a string', '  - { username: olga, role: operator, extension: 101, password: PW }\n', { code: 'SWB_ERR_CONFIG_INVALID', message: /users\.0\.extension/ }],
  ];
  for (const [name, users, error] of cases) {
    const { file } = await doc(t, users);
    await t.rejects(apply(app, file), error, name);
  }
  t.notOk(app.access.users.get('olga'), 'no user was created');
  t.equal([...app.audit.all()].length, auditBefore, 'nothing was audited');
  t.equal(app.access.users.extensionOf('stray'), '105');
});

t.test('a store that changed between plan and apply cannot end with one extension on two users', async (t) => {
  const { app } = await testAppliance(t);
  const { file } = await doc(t, '  - { username: olga, role: operator, extension: "101", password: PW }\n');
  // The users API claims 101 for pete after the plan was made, just before the apply's transaction.
  const store = app.store;
  const write = store.write.bind(store);
  store.write = (async (fn: () => unknown) => {
    store.write = write; // once: create() below writes through it
    await app.access.users.create({ username: 'pete', password: STRONG_PASSWORD, role: 'operator', extension: '101' }, ctx);
    return write(fn);
  }) as typeof store.write;
  await t.rejects(apply(app, file), { code: 'SWB_ERR_CONFLICT', message: /extension 101 already belongs to user/ });
  t.notOk(app.access.users.get('olga'), 'the whole apply was rolled back');
  t.equal(app.access.users.extensionOf('pete'), '101');
});
