import t from 'tap';
import { Store } from '../../../domain/store/store.js';
import { validateConfig } from '../../../appliance/config/load.js';
import { auditConfigChange } from '../../../appliance/config/change-audit.js';
import { tempDir } from '../../helpers/appliance.js';
import { auditLogOf } from '../../helpers/domain.js';

t.test('a start with changed configuration writes one config.change naming the keys, never their values', async (t) => {
  const dataDir = await tempDir(t);
  const store = await Store.open({ dataDir });
  t.teardown(() => store.close());
  const audit = auditLogOf(store);
  t.same(await auditConfigChange(store, audit, validateConfig({ dataDir }, 't'), 'f'), [], 'the first start records a baseline only');
  t.same(await auditConfigChange(store, audit, validateConfig({ dataDir }, 't'), 'f'), [], 'an unchanged start records nothing');
  const changed = await auditConfigChange(store, audit, validateConfig({ dataDir, listen: { port: 9443 }, access: { lockoutSeconds: 3600 } }, 't'), '/etc/switchboard/config.yaml');
  t.same(changed, ['access.lockoutSeconds', 'listen.port']);
  const records = [...audit.all()];
  t.equal(records.length, 1);
  t.match(records[0], { actor: 'system', action: 'config.change', source: '/etc/switchboard/config.yaml', details: { keys: ['access.lockoutSeconds', 'listen.port'] } });
  t.notOk(JSON.stringify(records[0]).includes('9443'), 'the new value is not in the audit record');
});
