import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { FIRST_ADMIN_COMMAND, FIRST_ADMIN_HINT } from '../../appliance/http/routes/health.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

t.test("the README shows the health hint exactly as /healthz gives it, and the same first-admin command", async (t) => {
  t.ok(readme.includes(JSON.stringify({ status: 'ok', admin: false, setup: FIRST_ADMIN_HINT })), 'the /healthz answer, verbatim');
  t.ok(readme.includes(FIRST_ADMIN_COMMAND.replace('switchboard user add NAME', 'npx switchboard user add alice')), 'the command the README tells a newcomer to run');
});

t.test('no example in the README or docs puts a password or secret on a command line', async (t) => {
  // A shell line that passes a password as an argument or inline JSON: ps and the shell history keep it.
  const onCommandLine = /(curl|switchboard|sipp|baresip|http)\b.*("password"\s*:\s*"[^"…]|--password[ =](?!-)|--secret[ =](?!-))/;
  for (const file of docs) {
    const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
    const bad = lines.filter((l) => onCommandLine.test(l));
    t.same(bad, [], file);
  }
});
