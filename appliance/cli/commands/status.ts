import type { Command } from 'commander';
import { SwitchboardError } from '../../../common/errors.js';
import type { Store } from '../../../domain/store/store.js';
import { BindingStore } from '../../../sip/registrar/bindings.js';
import { callsSince } from '../../../sip/calls/call-log.js';
import { runningPid } from '../../backup/liveness.js';
import { packageVersion } from '../../version.js';
import { print, withStore } from '../io.js';

/*
 * What an admin at the box's console asks first: is it running, who is registered, which calls
 * happened. Read from the store the appliance writes (LMDB is multi-process safe), so the answers
 * hold whether the appliance is up or not.
 */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `--since 1h` (s, m, h, d) or an ISO time, as milliseconds since the epoch. */
export function sinceMillis(value: string, now = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (m) return now - Number(m[1]) * UNITS[m[2]!]! * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new SwitchboardError('SWB_ERR_VALIDATION', `--since: got ${JSON.stringify(value)}, expected a duration such as 30m, 1h, 2d or an ISO time`);
  return at;
}

function openConversations(store: Store): number {
  let n = 0;
  // The database holds index entries beside the records: only records are objects.
  for (const { value } of store.db<unknown>('conversations').getRange({})) if (typeof value === 'object' && value !== null && (value as { status?: string }).status === 'open') n++;
  return n;
}

function mib(bytes: number | null): string {
  return bytes === null ? 'unknown' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function statusCommands(program: Command): void {
  program
    .command('status')
    .description('is the appliance running, and what its store holds: users, conversations, registered phones, calls today, the audit head')
    .option('--json', 'one JSON object')
    .action(async (opts: { json?: boolean }) => {
      await withStore(async ({ config, store, audit, access }) => {
        const pid = await runningPid(config.dataDir);
        const stats = store.stats();
        let calls = 0;
        for (const _ of callsSince(store, Date.now() - 86_400_000)) calls++;
        const users = access.users.list();
        const info = {
          version: packageVersion(),
          running: pid !== null,
          pid,
          dataDir: config.dataDir,
          storeUsedBytes: stats.usedBytes,
          storeFreeBytes: store.freeBytes(),
          users: users.length,
          admins: users.filter((u) => u.role === 'admin' && !u.disabled).length,
          clients: store.db('clients').getCount(),
          openConversations: openConversations(store),
          registrations: new BindingStore(store).countLive(),
          callsLast24h: calls,
          auditRecords: audit.head()?.seq ?? 0,
        };
        if (opts.json) return print(JSON.stringify(info));
        print(`switchboard ${info.version}: ${pid !== null ? `running (pid ${pid})` : 'not running'}`);
        print(`data       ${info.dataDir} (store ${mib(info.storeUsedBytes)}, disk free ${mib(info.storeFreeBytes)})`);
        print(`users      ${info.users} (${info.admins} admin${info.admins === 1 ? '' : 's'})${info.admins === 0 ? ': create one with switchboard user add NAME --role admin --password-stdin' : ''}`);
        print(`clients    ${info.clients}, open conversations ${info.openConversations}`);
        print(`phones     ${info.registrations} registered contact${info.registrations === 1 ? '' : 's'}`);
        print(`calls      ${info.callsLast24h} in the last 24 h`);
        print(`audit      ${info.auditRecords} records (switchboard audit verify checks the chain)`);
      }, { readOnlyAudit: true });
    });

  program
    .command('registrations')
    .description('the phones registered now: extension, contact, where from, user agent, expiry')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withStore(async ({ store }) => {
        const now = Date.now();
        const all = new BindingStore(store).all().sort((a, b) => (a.extension < b.extension ? -1 : a.extension > b.extension ? 1 : 0));
        for (const b of all) {
          if (opts.json) print(JSON.stringify(b));
          else print([b.extension, b.received, b.userAgent ?? '-', `expires in ${Math.round((b.expiresAt - now) / 1000)} s`, b.contact].join('\t'));
        }
        if (!opts.json) process.stderr.write(`${all.length} registered contact${all.length === 1 ? '' : 's'}\n`);
      }, { readOnlyAudit: true });
    });

  program
    .command('calls')
    .description('calls started since a time, newest first: when, direction, from, to, extension, outcome, duration')
    .option('--since <when>', 'a duration (30m, 1h, 2d) or an ISO time', '1h')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { since: string; json?: boolean }) => {
      const since = sinceMillis(opts.since);
      await withStore(async ({ store }) => {
        let n = 0;
        for (const c of callsSince(store, since)) {
          n++;
          if (opts.json) print(JSON.stringify(c));
          else print([c.start, c.direction, c.from, c.to, c.extension ?? '-', c.state === 'ended' ? (c.outcome ?? '-') : c.state, `${c.durationSec} s`, c.id].join('\t'));
        }
        if (!opts.json) process.stderr.write(`${n} call${n === 1 ? '' : 's'} since ${new Date(since).toISOString()}\n`);
      }, { readOnlyAudit: true });
    });
}
