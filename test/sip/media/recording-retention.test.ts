import t from 'tap';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bearer, testAppliance, userWithToken } from '../../helpers/appliance.js';
import { waitFor } from '../../helpers/sip.js';
import type { Appliance } from '../../../appliance/app.js';
import type { CallRecord } from '../../../sip/calls/call-record.js';

/*
 * media.retentionDays: recordings past it are deleted at start and by the
 * periodic sweep; the call record says `deleted`, each deletion is audited.
 */

const DAY = 24 * 3600 * 1000;

function callWith(app: Appliance, id: string, startMs: number, file: string): Promise<void> {
  const start = new Date(startMs).toISOString();
  const record = {
    id,
    sipCallId: `sip-${id}`,
    direction: 'internal',
    from: '101',
    to: '102',
    extension: '102',
    trunk: null,
    clientId: null,
    state: 'ended',
    start,
    answer: start,
    end: new Date(startMs + 60_000).toISOString(),
    durationSec: 60,
    outcome: 'answered',
    sipCause: null,
    endReason: 'caller',
    media: { recordRequested: true },
    recording: { status: 'ok', key: `key-${id}`, file, durationSec: 60, bytes: 4, sha256: '0'.repeat(64), historyEventId: null },
    historyEventId: null,
  } as unknown as CallRecord;
  return app.store.write(() => {
    app.store.db<CallRecord, [number, string]>('calls').putSync([startMs, id], record);
    app.store.db<number, string>('callIds').putSync(id, startMs);
  });
}

function wav(dir: string, name: string, mtimeMs?: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, 'RIFF');
  if (mtimeMs !== undefined) utimesSync(file, mtimeMs / 1000, mtimeMs / 1000);
  return file;
}

const ids = { old: '00000000-0000-4000-8000-000000000001', fresh: '00000000-0000-4000-8000-000000000002', oldFile: '00000000-0000-4000-8000-000000000003' };

t.test('recordings past media.retentionDays are deleted at start, their records say deleted, each deletion audited', async (t) => {
  const { app, dataDir } = await testAppliance(t, { media: { retentionDays: 30 } });
  const dir = path.join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const files = {
    old: wav(dir, 'old-call.wav'), // the call started 40 days ago
    fresh: wav(dir, 'fresh-call.wav'),
    oldFile: wav(dir, 'old-file.wav', now - 40 * DAY), // a recent record, an old file
    orphanOld: wav(dir, 'orphan-old.wav', now - 31 * DAY),
    orphanNew: wav(dir, 'orphan-new.wav', now - 29 * DAY),
  };
  await callWith(app, ids.old, now - 40 * DAY, files.old);
  await callWith(app, ids.fresh, now - 1000, files.fresh);
  await callWith(app, ids.oldFile, now - 2000, files.oldFile);

  await app.sip.start(); // the sweep at start
  await waitFor(() => app.sip.calls.get(ids.old)?.recording?.status === 'deleted' && !existsSync(files.orphanOld), 5000, 'the start-up sweep');
  await app.sip.retention.sweep(); // and any sweep in progress is done
  t.notOk(existsSync(files.old), 'the old call recording is gone');
  t.notOk(existsSync(files.oldFile), 'the old file is gone');
  t.notOk(existsSync(files.orphanOld), 'an old file no record names is gone');
  t.ok(existsSync(files.fresh), 'a recent recording stays');
  t.ok(existsSync(files.orphanNew), 'a recent file no record names stays');
  t.match(app.sip.calls.get(ids.old)!.recording, { status: 'deleted', file: files.old, key: `key-${ids.old}`, sha256: '0'.repeat(64) });
  t.equal(app.sip.calls.get(ids.oldFile)!.recording!.status, 'deleted');
  t.equal(app.sip.calls.get(ids.fresh)!.recording!.status, 'ok');

  const audit = [...app.store.db<{ action: string; target: string; actor: string; details: Record<string, unknown> }, number>('audit').getRange()].map((e) => e.value).filter((e) => e.action === 'call.recording.delete');
  t.same(audit.map((e) => e.target).sort(), [`call:${ids.old}`, `call:${ids.oldFile}`, 'recording:orphan-old.wav'].sort());
  t.ok(audit.every((e) => e.actor === 'system' && e.details.reason === 'retention' && e.details.retentionDays === 30));

  const sup = await userWithToken(app, 'sue', 'supervisor');
  t.equal((await app.http.inject({ url: `/api/v1/calls/${ids.old}/recording`, headers: bearer(sup) })).statusCode, 404, 'a deleted recording is not served');
  t.equal((await app.http.inject({ url: `/api/v1/calls/${ids.fresh}/recording`, headers: bearer(sup) })).statusCode, 200);

  t.same(await app.sip.retention.sweep(), { calls: 0, orphans: 0 }, 'a second sweep finds nothing more');
  t.same(await app.sip.retention.sweep(new Date(now + 31 * DAY)), { calls: 1, orphans: 1 }, 'a month on, the rest');
  t.notOk(existsSync(files.fresh));
});

t.test('media.retentionDays: 0 keeps recordings forever', async (t) => {
  const { app, dataDir } = await testAppliance(t, { media: { retentionDays: 0 } });
  const dir = path.join(dataDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  const file = wav(dir, 'ancient.wav', Date.now() - 4000 * DAY);
  await callWith(app, ids.old, Date.now() - 4000 * DAY, file);
  await app.sip.start();
  t.same(await app.sip.retention.sweep(), { calls: 0, orphans: 0 });
  t.ok(existsSync(file));
  t.equal(app.sip.calls.get(ids.old)!.recording!.status, 'ok');
});

t.test('the default retention is 365 days and the default free-space floor 512 MiB', async (t) => {
  const { app } = await testAppliance(t);
  t.equal(app.config.media.retentionDays, 365);
  t.equal(app.config.media.minFreeMiB, 512);
});
