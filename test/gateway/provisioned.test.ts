import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir, testAppliance } from '../helpers/appliance.js';
import { provision } from '../../provisioning/apply.js';
import { build } from '../../appliance/app.js';
import { validateConfig } from '../../appliance/config/load.js';
import { createLogger } from '../../common/log.js';

const ctx = { actor: 'cli:test', source: 'cli' };
const env = { TG_TOKEN: '123:provisioned-token' };

t.test('provision apply declares channels with secret references; they start with the next build, and a second apply changes nothing', async (t) => {
  const { app, dataDir } = await testAppliance(t);
  const dir = await tempDir(t);
  const file = path.join(dir, 'box.yaml');
  await writeFile(file, `version: 1\nchannels:\n  - { id: tg-prov, type: telegram, token: { env: TG_TOKEN }, department: sales }\n  - { id: site-prov, type: webchat }\n`);
  const first = await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env });
  t.same(first.changes, ['+ channel tg-prov (telegram; takes effect at the next start)', '+ channel site-prov (webchat; takes effect at the next start)']);
  t.same((await provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env })).changes, [], 'converged');
  t.match([...app.audit.all()].filter((a) => a.action === 'channel.provision'), [{ target: 'channel:tg-prov', details: { type: 'telegram' } }, { target: 'channel:site-prov' }]);
  await app.close();

  process.env.TG_TOKEN = env.TG_TOKEN;
  t.teardown(() => void delete process.env.TG_TOKEN);
  const next = await build({ config: validateConfig({ dataDir }, 'test'), logger: createLogger({ level: 'silent' }) });
  t.teardown(() => next.close());
  t.same([...next.gateway.bridges.keys()].sort(), ['site-prov', 'tg-prov']);
});

t.test('a provisioning document with a secret written inline, an unresolvable reference or a bad channel is refused whole', async (t) => {
  const { app } = await testAppliance(t);
  const dir = await tempDir(t);
  const cases: Array<[string, RegExp]> = [
    ['  - { id: a, type: telegram, token: "123:inline" }', /channels\.0\.token: got a secret written in the document/],
    ['  - { id: a, type: telegram, token: { env: NOT_SET_ANYWHERE } }', /environment variable NOT_SET_ANYWHERE is not set/],
    ['  - { id: a, type: whatsapp, phoneNumberId: "1" }', /channels\.0\.accessToken: got nothing/],
  ];
  for (const [entry, message] of cases) {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, `version: 1\ndepartments: [sales]\nchannels:\n${entry}\n`);
    await t.rejects(provision(file, { store: app.store, access: app.access, ctx, dryRun: false, env: {} }), { code: 'SWB_ERR_CONFIG_INVALID', message });
  }
  t.same(app.access.departments.list(), [], 'nothing of the document was applied');
});
