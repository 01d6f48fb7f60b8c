import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { ANSIBLE_DIR, EXAMPLE_INVENTORY, EXAMPLE_VAULT_PASSWORD, ansibleEnv, requireTools, run } from './helpers.js';

/*
 * ansible/ without a box: ansible-lint's production profile, the playbook's
 * syntax, the example inventory's Vault, and the role's templates rendered
 * with settings the container test does not use (an API open to a LAN, IPv6,
 * public webhooks, RTP, a Debian mirror), the firewall table checked by nft.
 */

t.setTimeout(180_000);
await requireTools([
  ['ansible-lint', 'ansible-lint'],
  ['ansible-playbook', 'ansible'],
  ['ansible-vault', 'ansible'],
  ['nft', 'nftables'],
  ['unshare', 'util-linux'],
]);
const work = await mkdtemp(path.join(tmpdir(), 'swb-ansible-lint-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const env = ansibleEnv(work);

await t.test('ansible-lint --profile production passes on ansible/', async (t) => {
  const r = await run('ansible-lint', ['--profile', 'production', '--offline', '--nocolor', 'ansible/'], { env });
  t.equal(r.code, 0, r.code === 0 ? 'no violations' : r.output);
  t.match(r.output, /Passed with production profile/);
});

await t.test('ansible-playbook --syntax-check passes on site.yml with the example inventory', async (t) => {
  const r = await run('ansible-playbook', ['--syntax-check', '-i', path.join(EXAMPLE_INVENTORY, 'hosts.yml'), path.join(ANSIBLE_DIR, 'site.yml')], { env });
  t.equal(r.code, 0, r.output);
});

await t.test('the example vault opens with the documented password and defines every vault_ variable the example uses', async (t) => {
  const pass = path.join(work, 'vault-password');
  await writeFile(pass, `${EXAMPLE_VAULT_PASSWORD}\n`, { mode: 0o600 });
  const vaultFile = path.join(EXAMPLE_INVENTORY, 'group_vars/switchboard/vault.yml');
  t.match(await readFile(vaultFile, 'utf8'), /^\$ANSIBLE_VAULT;1\.1;AES256\n/, 'vault.yml is encrypted');
  const r = await run('ansible-vault', ['view', '--vault-password-file', pass, vaultFile], { env });
  t.equal(r.code, 0, r.code === 0 ? 'it decrypts' : r.output);
  const secrets = parseYaml(r.stdout) as Record<string, string>;
  const used = [...(await readFile(path.join(EXAMPLE_INVENTORY, 'group_vars/switchboard/vars.yml'), 'utf8')).matchAll(/\b(vault_[a-z0-9_]+)/g)].map((m) => m[1]!);
  t.ok(used.length >= 4, `the example takes its secrets from the vault (${used.join(', ')})`);
  for (const name of new Set(used)) t.ok(secrets[name], `${name} is in the vault`);
  t.match(secrets.vault_switchboard_prometheus_token, /^swbt_[A-Za-z0-9_-]{43,}$/, 'the example token has the form provisioning expects');
  t.ok((await readFile(path.join(ROOT, 'docs/operations.md'), 'utf8')).includes(`\`${EXAMPLE_VAULT_PASSWORD}\``), 'docs/operations.md documents the example password');
});

await t.test('the templates: a LAN-facing API, IPv6, webhooks, SIP, RTP and a mirror render into a table nft accepts', async (t) => {
  const out = path.join(work, 'rendered');
  await mkdir(path.join(out, 'loopback'), { recursive: true });
  const vars = path.join(work, 'vars.json');
  await writeFile(
    vars,
    JSON.stringify({
      out,
      switchboard_listen_host: '0.0.0.0',
      switchboard_listen_port: 8443,
      switchboard_listen_allow: ['10.20.0.0/24', 'fd00:20::/64'],
      switchboard_config: { gateway: { publicListen: '0.0.0.0:8088' }, log: { level: 'warn' } },
      switchboard_firewall_ssh_port: 2222,
      switchboard_firewall_ssh_allow: ['10.20.0.5'],
      switchboard_firewall_sip_ports: [{ port: 5060, proto: 'udp' }, { port: 5061, proto: 'tcp' }],
      switchboard_firewall_sip_allow: ['198.51.100.7', '2001:db8::7'],
      switchboard_firewall_rtp_ports: '16384-32767',
      switchboard_firewall_webhook_allow: [],
      switchboard_firewall_extra_rules: ['tcp dport 9100 ip saddr 10.20.0.9 accept'],
      switchboard_apt_sources: [
        { uris: 'http://mirror.example.internal/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'], signed_by: '/usr/share/keyrings/debian-archive-keyring.gpg' },
        { uris: 'file:/srv/flat', suites: ['./'], trusted: true },
      ],
      switchboard_provision: {
        departments: ['sales'],
        users: [
          { username: 'alice', role: 'admin', password: 'not-in-the-document-1', totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DP' },
          { username: 'carol', role: 'operator', department: 'sales', password: { env: 'CAROL_PASSWORD' } },
        ],
        serviceTokens: [{ name: 'crm', role: 'integration', token: 'not-in-the-document-2' }],
        channels: [{ id: 'tg-main', type: 'telegram', token: { file: '/etc/switchboard/secrets/tg-main' } }],
      },
      switchboard_drachtio_secret: 's3cr<t"&',
    }),
  );
  const r = await run('ansible-playbook', ['-i', 'localhost,', '-e', `@${vars}`, path.join(ROOT, 'test/ansible/fixtures/render-templates.yml')], { env });
  t.equal(r.code, 0, r.code === 0 ? 'rendered' : r.output);

  const nft = await readFile(path.join(out, 'firewall.nft'), 'utf8');
  t.match(nft, /policy drop;/);
  t.match(nft, /ip saddr \{ 10\.20\.0\.0\/24 \} tcp dport 8443 accept/, 'the API port from the IPv4 allow-list');
  t.match(nft, /ip6 saddr \{ fd00:20::\/64 \} tcp dport 8443 accept/, 'and from the IPv6 one');
  t.notMatch(nft, /^\s*tcp dport 8443 accept/m, 'never from anywhere');
  t.match(nft, /ip saddr \{ 10\.20\.0\.5 \} tcp dport 2222 accept/, 'SSH from its allow-list');
  t.match(nft, /ip saddr \{ 198\.51\.100\.7 \} udp dport 5060 accept/);
  t.match(nft, /ip6 saddr \{ 2001:db8::7 \} tcp dport 5061 accept/);
  t.match(nft, /udp dport 16384-32767 accept/, 'RTP');
  t.match(nft, /^\s*tcp dport 8088 accept comment "public webhooks"/m, 'the public webhook port, from gateway.publicListen');
  t.match(nft, /tcp dport 9100 ip saddr 10\.20\.0\.9 accept/);
  // A throwaway network namespace: nft checks the table against the kernel and nothing is loaded anywhere.
  const check = await run('unshare', ['--net', 'nft', '--check', '--file', path.join(out, 'firewall.nft')]);
  t.equal(check.code, 0, `nft --check accepts it: ${check.output}`);

  const noApi = await run('ansible-playbook', ['-i', 'localhost,', '-e', `@${vars}`, '-e', 'switchboard_listen_host=127.0.0.1', '-e', `out=${out}/loopback`, path.join(ROOT, 'test/ansible/fixtures/render-templates.yml')], { env });
  t.equal(noApi.code, 0, noApi.code === 0 ? 'rendered with the API on loopback' : noApi.output);
  t.notMatch(await readFile(path.join(out, 'loopback/firewall.nft'), 'utf8'), /dport 8443/, 'an API on loopback opens nothing');

  const config = parseYaml(await readFile(path.join(out, 'config.yaml'), 'utf8')) as Record<string, unknown>;
  t.same(config, { dataDir: '/var/lib/switchboard', listen: { host: '0.0.0.0', port: 8443, allow: ['10.20.0.0/24', 'fd00:20::/64'] }, log: { level: 'warn' }, gateway: { publicListen: '0.0.0.0:8088' } }, 'config.yaml: the role keys, switchboard_config merged over them');

  const provision = await readFile(path.join(out, 'provision.yaml'), 'utf8');
  t.notMatch(provision, /not-in-the-document/, 'no secret value in the provisioning document');
  t.same(parseYaml(provision), {
    version: 1,
    prune: false,
    departments: ['sales'],
    users: [
      { username: 'alice', role: 'admin', password: { file: '/etc/switchboard/secrets/user.alice.password' }, totpSecret: { file: '/etc/switchboard/secrets/user.alice.totp' } },
      { username: 'carol', role: 'operator', department: 'sales', password: { env: 'CAROL_PASSWORD' } },
    ],
    serviceTokens: [{ name: 'crm', role: 'integration', token: { file: '/etc/switchboard/secrets/token.crm' } }],
    channels: [{ id: 'tg-main', type: 'telegram', token: { file: '/etc/switchboard/secrets/tg-main' } }],
  }, 'secrets become file references; sections the role does not know pass through');

  const sources = await readFile(path.join(out, 'switchboard.sources'), 'utf8');
  t.match(sources, /URIs: http:\/\/mirror\.example\.internal\/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg/);
  t.match(sources, /URIs: file:\/srv\/flat\nSuites: \.\/\nTrusted: yes/, 'a flat repository has no Components');
  const drachtioConf = await readFile(path.join(out, 'drachtio.conf.xml'), 'utf8');
  t.match(drachtioConf, /secret="s3cr&lt;t&#34;&amp;"/, "drachtio's secret is XML-escaped");
  t.match(drachtioConf, /<spammers action="discard" tcp-action="discard">\s*<header name="User-Agent">\s*<value>friendly-scanner<\/value>/, 'known scanners are discarded by drachtio-server');
});
