import t, { type Test } from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { testAppliance, tempDir, STRONG_PASSWORD } from '../helpers/appliance.js';
import { runCli } from '../helpers/cli.js';
import { provision } from '../../provisioning/apply.js';

const ctx = { actor: 'cli:test', source: 'cli' };
const newToken = (): string => `swbt_${randomBytes(32).toString('base64url')}`;

/** A document and its secret files, as Ansible would render them. */
async function scene(t: Test, body: (secrets: string) => string): Promise<{ file: string; dir: string; token: string }> {
  const dir = await tempDir(t);
  const token = newToken();
  await writeFile(path.join(dir, 'alice.pw'), `${STRONG_PASSWORD}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, 'bob.pw'), 'another long passphrase 77', { mode: 0o600 });
  await writeFile(path.join(dir, 'prom.token'), token, { mode: 0o600 });
  const file = path.join(dir, 'box.yaml');
  await writeFile(file, body(dir));
  return { file, dir, token };
}

const BOX = (s: string): string => `version: 1
departments: [sales, support]
users:
  - { username: alice, role: admin, password: { file: ${s}/alice.pw }, totpSecret: { env: ALICE_TOTP } }
  - { username: bob, role: operator, department: sales, password: { file: ${s}/bob.pw } }
serviceTokens:
  - { name: prometheus, role: metrics, token: { file: ${s}/prom.token } }
`;
const env = { ALICE_TOTP: 'JBSWY3DPEHPK3PXPJBSWY3DP' };

t.test('apply converges the store, audits each change, and a second apply changes nothing', async (t) => {
  const { app } = await testAppliance(t);
  const { file, token } = await scene(t, BOX);
  const first = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env });
  t.same(first.changes, ['~ departments: [] -> [sales, support]', '+ user alice (admin)', '+ user bob (operator, sales)', '+ token prometheus (metrics)']);
  t.same(first.enrolments, [], 'the document supplied the TOTP secret, so no URI is printed');
  t.equal(app.access.users.get('bob')!.department, 'sales');
  t.equal(app.access.authenticate(token)?.role, 'metrics', 'the declared token works');
  const actions = [...app.audit.all()].map((r) => `${r.action} ${r.actor}`);
  t.same(actions, ['department.set cli:test (provision)', 'user.create cli:test (provision)', 'user.create cli:test (provision)', 'token.create cli:test (provision)']);

  const second = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env });
  t.same(second, { changes: [], applied: false, enrolments: [] });
  t.equal([...app.audit.all()].length, 4, 'nothing more was audited');
});

t.test('a dry run prints the plan and writes nothing', async (t) => {
  const { app } = await testAppliance(t);
  const { file } = await scene(t, BOX);
  const plan = await provision(file, { store: app.store, access: app.access, ctx, dryRun: true, env });
  t.equal(plan.changes.length, 4);
  t.equal(plan.applied, false);
  t.same(app.access.users.list(), []);
  t.equal([...app.audit.all()].length, 0);
});

t.test('changed roles, passwords and tokens are converged; prune disables and revokes what the document dropped', async (t) => {
  const { app } = await testAppliance(t);
  const { file, dir } = await scene(t, BOX);
  await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env });
  await app.access.users.create({ username: 'stray', password: STRONG_PASSWORD, role: 'operator' }, ctx);
  await writeFile(path.join(dir, 'bob.pw'), 'a brand new passphrase 88');
  const newer = newToken();
  await writeFile(path.join(dir, 'prom.token'), newer);
  await writeFile(file, BOX(dir).replace('role: operator, department: sales', 'role: supervisor, department: support').replace('version: 1', 'version: 1\nprune: true'));
  const r = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env });
  t.same(r.changes, ['~ user bob: role operator -> supervisor, department sales -> support', '~ user bob: password', '- user stray: disabled (not in the document, prune is on)', '- token prometheus', '+ token prometheus (metrics)']);
  t.equal(app.access.users.get('stray')!.disabled, true);
  t.equal(app.access.tokens.list().length, 1, 'only the new token remains');
  t.equal(app.access.authenticate(newer)?.role, 'metrics');
});

t.test('a bad document is refused whole, with nothing applied', async (t) => {
  const { app } = await testAppliance(t);
  const cases: Array<[string, (s: string) => string, RegExp]> = [
    ['an unknown key', (s) => BOX(s).replace('departments:', 'deparments: []\ndepartments:'), /deparments/],
    ['a duplicate user', (s) => `${BOX(s).replace('serviceTokens:', `  - { username: Bob, role: auditor, password: { file: ${s}/bob.pw } }\nserviceTokens:`)}`, /users\.2\.username: "bob" is declared twice/],
    ['a weak password', (s) => BOX(s).replace(`${s}/bob.pw`, `${s}/weak.pw`), /users\.1 \(bob\)\.password: .*common/],
    ['an undeclared department', (s) => BOX(s).replace('department: sales', 'department: legal'), /users\.1\.department: got "legal", expected one of departments/],
    ['a missing secret file', (s) => BOX(s).replace(`${s}/bob.pw`, `${s}/nope.pw`), /secret file .*nope\.pw: ENOENT/],
    ['a literal password', (s) => BOX(s).replace(`{ file: ${s}/bob.pw }`, 'hunter2hunter2'), /password: got "hunter2hunter2", expected \{file: PATH\} or \{env: NAME\}/],
    ['a malformed token', (s) => BOX(s).replace(`{ file: ${s}/prom.token }`, '{ env: BAD_TOKEN }'), /serviceTokens\.0 \(prometheus\)\.token: expected swbt_/],
  ];
  for (const [name, body, message] of cases) {
    const { file, dir } = await scene(t, body);
    await writeFile(path.join(dir, 'weak.pw'), 'qwerty123456');
    await t.rejects(provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env: { ...env, BAD_TOKEN: 'plain' } }), { message }, name);
  }
  t.same(app.access.users.list(), [], 'no user was created');
  t.same(app.access.departments.list(), []);
  t.equal([...app.audit.all()].length, 0, 'nothing was audited');
});

t.test('switchboard provision apply prints the plan, then says a repeat changes nothing', async (t) => {
  const dataDir = await tempDir(t);
  const { file } = await scene(t, (s) => BOX(s).replace(/, totpSecret: \{ env: ALICE_TOTP \}/, ''));
  const cliEnv = { SWITCHBOARD_DATA_DIR: dataDir };
  const dry = await runCli(['provision', 'apply', file, '--dry-run'], { env: cliEnv });
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /^would apply 4 changes:/);
  const first = await runCli(['provision', 'apply', file], { env: cliEnv });
  t.match(first.stdout, /^applied 4 changes:\n {2}~ departments/);
  t.match(first.stdout, /TOTP enrolment for alice .*: otpauth:\/\/totp\//, 'an admin without a supplied secret gets an enrolment URI, once');
  const again = await runCli(['provision', 'apply', file], { env: cliEnv });
  t.equal(again.code, 0);
  t.equal(again.stdout.trim(), `no changes: the store already matches ${file}`);
  t.notOk(`${first.stdout}${first.stderr}`.includes(STRONG_PASSWORD), 'no secret is printed');
});
