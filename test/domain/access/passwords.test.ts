import t from 'tap';
import { PasswordPolicy } from '../../../domain/access/passwords.js';

const policy = new PasswordPolicy({ passwordMinLength: 12, passwordMaxLength: 128, argon2MemoryKiB: 19456, argon2TimeCost: 2, argon2Parallelism: 1 });

t.test('common passwords and their usual padding are refused', async (t) => {
  for (const p of ['qwerty123456', '1qaz2wsx3edc', 'password1234', 'Password1234!!', '!!!dragon2024', 'monkeymonkey', 'aaaaaaaaaaaaaa', 'abababababab']) {
    t.throws(() => policy.check(p), { code: 'SWB_ERR_WEAK_PASSWORD' }, p);
  }
});

t.test('a long passphrase is accepted', async (t) => {
  for (const p of ['correct horse battery staple', 'Tr0ub4dor&3-but-longer', 'я люблю свою АТС 2026']) t.doesNotThrow(() => policy.check(p), p);
});

t.test('length counts characters, not bytes', async (t) => {
  t.doesNotThrow(() => policy.check('пароль-для-тестов'));
  t.throws(() => policy.check('ключ-короче'), { message: /at least 12/ });
});

t.test('the hash is argon2id with at least OWASP\'s minimum cost, and verifies', async (t) => {
  const hash = await policy.hash('correct horse battery staple');
  t.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  t.ok(await policy.verify(hash, 'correct horse battery staple'));
  t.notOk(await policy.verify(hash, 'correct horse battery stapl'));
  t.notOk(await policy.verify('not-a-hash', 'x'), 'a corrupt hash fails closed');
});
