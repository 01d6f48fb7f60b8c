import t from 'tap';
import { decideRecording, type PolicyExtension } from '../../../sip/calls/recording-policy.js';
import { DepartmentDirectory } from '../../../sip/registrar/department-directory.js';
import { ProvisionedDepartments } from '../../../sip/registrar/provisioned-departments.js';
import { testAppliance } from '../../helpers/appliance.js';

const ext = (number: string, department: string | null, record = false, announce = false): PolicyExtension => ({ number, department, record, announce });
const policies: Record<string, { record: boolean; announce: boolean }> = {
  legal: { record: true, announce: true },
  sales: { record: false, announce: false },
  audit: { record: true, announce: false },
  shy: { record: false, announce: true },
};
const lookup = (name: string) => policies[name];

t.test('a call nobody asks to record is neither recorded nor announced', async (t) => {
  t.same(decideRecording({ caller: ext('101', 'sales'), callees: [ext('103', null)] }, lookup), { record: false, announce: false, because: [] });
});

t.test("the caller's extension, the callee's extension and the trunk each record on their own", async (t) => {
  t.same(decideRecording({ caller: ext('101', null, true), callees: [ext('103', null)] }, lookup), { record: true, announce: false, because: ['extension:101'] });
  t.same(decideRecording({ caller: ext('101', null), callees: [ext('103', null, true, true)] }, lookup), { record: true, announce: true, because: ['extension:103'] });
  t.same(decideRecording({ caller: ext('101', null), trunk: { id: 'main', record: true, announce: true } }, lookup), { record: true, announce: true, because: ['trunk:main'] });
});

t.test("the caller's department, the callee's department and the department called as a ring group each record", async (t) => {
  t.same(decideRecording({ caller: ext('101', 'legal'), callees: [ext('103', null)] }, lookup), { record: true, announce: true, because: ['department:legal'] });
  t.same(decideRecording({ caller: ext('101', null), callees: [ext('104', 'audit')] }, lookup), { record: true, announce: false, because: ['department:audit'] });
  t.same(decideRecording({ callees: [ext('105', 'sales')], departments: ['legal'], trunk: { id: 'main', record: false } }, lookup), { record: true, announce: true, because: ['department:legal'] });
});

t.test('every source asking to record is named, once, in order: extensions, departments, trunk', async (t) => {
  const d = decideRecording({ caller: ext('101', 'legal', true), callees: [ext('102', 'legal'), ext('104', 'audit')], departments: ['legal'], trunk: { id: 'main', record: true } }, lookup);
  t.same(d, { record: true, announce: true, because: ['extension:101', 'department:legal', 'department:audit', 'trunk:main'] });
});

t.test('announce follows only a source that also records: announce without record asks for nothing', async (t) => {
  t.same(decideRecording({ caller: ext('101', 'shy'), callees: [ext('103', null, false, true)] }, lookup), { record: false, announce: false, because: [] });
  t.same(decideRecording({ caller: ext('101', 'shy'), callees: [ext('104', 'audit')] }, lookup), { record: true, announce: false, because: ['department:audit'] });
});

t.test('a department with no policy and an entry written before announcements existed record nothing extra', async (t) => {
  t.same(decideRecording({ caller: ext('101', 'nowhere'), callees: [{ number: '103', department: null, record: true }] }, lookup), { record: true, announce: false, because: ['extension:103'] });
});

t.test('config and provisioned departments merge: the config file wins on a name in both, provisioned ones are read at each lookup', async (t) => {
  const { app } = await testAppliance(t);
  const provisioned = new ProvisionedDepartments(app.store, app.audit);
  const dir = new DepartmentDirectory(provisioned, [{ name: 'legal', record: true, announce: false }]);
  const ctx = { actor: 'cli:test', source: 'cli' };
  await app.store.write(() => {
    provisioned.setInTxn({ name: 'legal', record: false, announce: false }, ctx);
    provisioned.setInTxn({ name: 'support', record: true, announce: true }, ctx);
  });
  t.same(dir.policy('legal'), { record: true, announce: false, source: 'config' });
  t.same(dir.policy('support'), { record: true, announce: true, source: 'provisioning' });
  t.equal(dir.policy('sales'), undefined);
  await app.store.write(() => provisioned.setInTxn({ name: 'support', record: false, announce: false }, ctx));
  t.same(dir.policy('support'), { record: false, announce: false, source: 'provisioning' }, 'a later apply takes effect without a restart');
  const calls = decideRecording({ callees: [ext('201', 'support')], departments: ['legal'] }, (n) => dir.policy(n));
  t.same(calls, { record: true, announce: false, because: ['department:legal'] });
});
